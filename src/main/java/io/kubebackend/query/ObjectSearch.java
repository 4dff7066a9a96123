package io.kubebackend.query;

import io.kubebackend.store.Database;
import io.kubebackend.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** Filtered, counted and paged reads of mirrored objects (the kubesys list and count). */
public final class ObjectSearch {

  /** Receives one page: the total first, then each object's JSON in order. */
  public interface PageSink {
    void total(long total);

    void item(String objectJson);
  }

  private final Database db;

  public ObjectSearch(Database db) {
    this.db = db;
  }

  public long count(SearchFilter filter) {
    try (Connection c = db.connection()) {
      return count(c, filter);
    } catch (SQLException e) {
      throw StoreException.of("counting " + filter.resource(), e);
    }
  }

  /** Up to {@code limit} objects after skipping {@code offset}, and the total, read from one snapshot. */
  public void page(SearchFilter filter, int limit, long offset, PageSink sink) {
    try (Connection c = db.connection()) {
      db.dialect().beginSnapshotRead(c);
      try {
        sink.total(count(c, filter));
        SearchFilterSql.Query q = SearchFilterSql.page(db.dialect(), filter, limit, offset);
        try (PreparedStatement ps = c.prepareStatement(q.sql())) {
          bind(ps, q.params());
          ps.setFetchSize(200);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              sink.item(rs.getString(1));
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        Database.rollbackAfter(c, e);
        throw e;
      }
      c.rollback();
    } catch (SQLException e) {
      throw StoreException.of("listing " + filter.resource(), e);
    }
  }

  private long count(Connection c, SearchFilter filter) throws SQLException {
    SearchFilterSql.Query q = SearchFilterSql.count(db.dialect(), filter);
    try (PreparedStatement ps = c.prepareStatement(q.sql())) {
      bind(ps, q.params());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static void bind(PreparedStatement ps, List<Object> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      ps.setObject(i + 1, params.get(i));
    }
  }
}
