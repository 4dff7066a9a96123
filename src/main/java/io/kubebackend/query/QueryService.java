package io.kubebackend.query;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.StoreException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs queries and aggregations against the mirrored objects, across clusters, from the database alone.
 * Thread-safe; every call takes its own connection.
 *
 * <p>Every call takes a {@link ReadScope}: the caller (auth, in front of the API) decides what may be read, and
 * the scope's conditions are part of the SQL.
 */
public final class QueryService {
  private static final JsonFactory JSON = new JsonFactory()
      .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
  /** Rows per round trip while streaming a page. */
  private static final int FETCH_SIZE = 250;

  private final Database db;
  private final QuerySql sql;

  public QueryService(Database db) {
    this.db = db;
    this.sql = new QuerySql(db.dialect());
  }

  /**
   * Streams one page as a Kubernetes {@code List}:
   * {@code {"apiVersion":"v1","kind":"List","items":[...],"metadata":{"continue":"...","totalCount":N}}}.
   * {@code continue} is present only when another page follows; {@code totalCount} only when asked for.
   * Items carry their cluster in the annotation {@value ItemWriter#CLUSTER_ANNOTATION}.
   */
  public void list(ObjectQuery q, ReadScope scope, OutputStream out) {
    Sql page = sql.list(q, scope);
    try (Connection c = db.connection()) {
      // PostgreSQL's driver streams rows by the fetch size only inside a transaction; otherwise it reads them all.
      boolean transaction = db.dialect() == Dialect.POSTGRESQL;
      if (transaction) {
        c.setAutoCommit(false);
      }
      try {
        Long total = q.withTotal() ? count(c, sql.count(q.filter(), scope)) : null;
        try (PreparedStatement ps = c.prepareStatement(page.text())) {
          page.bind(ps);
          ps.setFetchSize(FETCH_SIZE);
          try (ResultSet rs = ps.executeQuery()) {
            writePage(q, rs, total, out);
          }
        }
      } catch (SQLException | IOException | RuntimeException e) {
        if (transaction) {
          Database.rollbackAfter(c, e);
        }
        throw e;
      }
      if (transaction) {
        c.rollback();
      }
    } catch (SQLException e) {
      throw StoreException.of("querying objects", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writePage(ObjectQuery q, ResultSet rs, Long total, OutputStream out)
      throws SQLException, IOException {
    int sortKeys = q.sort().size();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("apiVersion", "v1");
      g.writeStringField("kind", "List");
      g.writeArrayFieldStart("items");
      int written = 0;
      List<Object> last = null;
      boolean more = false;
      while (rs.next()) {
        if (written == q.limit()) {
          more = true;
          break;
        }
        List<Object> position = new ArrayList<>();
        for (int i = 0; i < sortKeys; i++) {
          position.add(q.sort().get(i).source().numeric() ? (Object) rs.getLong(6 + i) : rs.getString(6 + i));
        }
        for (int i = 1; i <= ContinueToken.KEY_COLUMNS; i++) {
          position.add(rs.getString(i));
        }
        ItemWriter.write(g, rs.getString(1), rs.getString(6 + sortKeys), q.fields());
        last = position;
        written++;
      }
      g.writeEndArray();
      g.writeObjectFieldStart("metadata");
      if (more) {
        g.writeStringField("continue",
            new ContinueToken(ContinueToken.hashOf(q.filter(), q.sort()), last).encode());
      }
      if (total != null) {
        g.writeNumberField("totalCount", total);
      }
      g.writeEndObject();
      g.writeEndObject();
    }
  }

  /** How many objects the filter matches within the scope. */
  public long count(ObjectFilter filter, ReadScope scope) {
    try (Connection c = db.connection()) {
      return count(c, sql.count(filter, scope));
    } catch (SQLException e) {
      throw StoreException.of("counting objects", e);
    }
  }

  private static long count(Connection c, Sql count) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(count.text())) {
      count.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Counts per group, groups ordered by their keys with nulls last. */
  public Aggregation.Result aggregate(Aggregation a, ReadScope scope) {
    Sql query = sql.aggregate(a, scope);
    List<String> names = a.groupBy().stream().map(Aggregation.GroupBy::name).toList();
    List<Aggregation.Group> groups = new ArrayList<>();
    boolean truncated = false;
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(query.text())) {
      query.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (groups.size() == a.limit()) {
            truncated = true;
            break;
          }
          Map<String, String> keys = new LinkedHashMap<>();
          for (int i = 0; i < names.size(); i++) {
            keys.put(names.get(i), rs.getString(i + 1));
          }
          groups.add(new Aggregation.Group(keys, rs.getLong(names.size() + 1)));
        }
      }
    } catch (SQLException e) {
      throw StoreException.of("aggregating objects", e);
    }
    return new Aggregation.Result(names, groups, truncated);
  }
}
