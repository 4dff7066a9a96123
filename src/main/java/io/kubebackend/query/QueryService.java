package io.kubebackend.query;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.kubebackend.store.Database;
import io.kubebackend.store.ObjectKey;
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
import java.util.Optional;

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
    list(q, scope, ListShape.QUERY, out);
  }

  /** Streams one page in the given shape; {@code metadata.continue} only when another page follows. */
  public void list(ObjectQuery q, ReadScope scope, ListShape shape, OutputStream out) {
    page(q, scope, new ListWriter(q, shape, out));
  }

  /**
   * Reads one page into {@code sink}: the total (when asked for) and the rows come from one snapshot, so the total
   * always describes the page it comes with.
   */
  public void page(ObjectQuery q, ReadScope scope, PageSink sink) {
    Sql page = sql.list(q, scope);
    int sortKeys = q.sort().size();
    try (Connection c = db.connection()) {
      // One read-only snapshot for the count and the page; on PostgreSQL the transaction also makes the driver
      // stream rows by the fetch size instead of reading them all.
      db.dialect().beginSnapshotRead(c);
      try {
        sink.start(q.withTotal() ? count(c, sql.count(q.filter(), scope)) : null, count(c, sql.head()));
        List<Object> last = null;
        boolean more = false;
        try (PreparedStatement ps = c.prepareStatement(page.text())) {
          page.bind(ps);
          ps.setFetchSize(FETCH_SIZE);
          try (ResultSet rs = ps.executeQuery()) {
            int written = 0;
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
              sink.item(rs.getString(1), rs.getLong(7 + sortKeys), rs.getString(6 + sortKeys));
              last = position;
              written++;
            }
          }
        }
        // A numbered page (offset) has no continue token: the next page is the next number.
        sink.end(more && q.offset() == 0 ? new ContinueToken(ContinueToken.hashOf(q.filter(), q.sort()), last)
            .encode() : null);
      } catch (SQLException | IOException | RuntimeException e) {
        Database.rollbackAfter(c, e);
        throw e;
      }
      c.rollback();
    } catch (SQLException e) {
      throw StoreException.of("querying objects", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a page as a Kubernetes list, token by token. */
  private static final class ListWriter implements PageSink {
    private final ObjectQuery q;
    private final ListShape shape;
    private final JsonGenerator g;
    private Long total;
    private long head;

    ListWriter(ObjectQuery q, ListShape shape, OutputStream out) {
      this.q = q;
      this.shape = shape;
      try {
        this.g = JSON.createGenerator(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void start(Long total, long head) throws IOException {
      this.total = total;
      this.head = head;
      g.writeStartObject();
      g.writeStringField("apiVersion", shape.apiVersion());
      g.writeStringField("kind", shape.kind());
      g.writeArrayFieldStart("items");
    }

    @Override
    public void item(String cluster, long seq, String objectJson) throws IOException {
      String c = shape.clusterAnnotation() ? cluster : null;
      if (shape.mirrorVersions() && q.fields().isEmpty()) {
        ItemWriter.write(g, objectJson, new ItemWriter.Shown(c, Long.toString(seq)));
      } else {
        ItemWriter.write(g, c, objectJson, q.fields());
      }
    }

    @Override
    public void end(String continueToken) throws IOException {
      g.writeEndArray();
      g.writeObjectFieldStart("metadata");
      if (shape.mirrorVersions()) {
        g.writeStringField("resourceVersion", Long.toString(head));
      }
      if (continueToken != null) {
        g.writeStringField("continue", continueToken);
      }
      if (total != null) {
        g.writeNumberField("totalCount", total);
      }
      g.writeEndObject();
      g.writeEndObject();
      g.close();
    }
  }

  /** One mirrored object, as stored, with the outbox seq of its last change. */
  public record StoredObject(long seq, String objectJson) {}

  /** One mirrored object's JSON, if the mirror has it (the caller has authorized reading it). */
  public Optional<String> get(ObjectKey key) {
    return find(key).map(StoredObject::objectJson);
  }

  /** One mirrored object with its seq, if the mirror has it. */
  public Optional<StoredObject> find(ObjectKey key) {
    Sql get = sql.get(key);
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(get.text())) {
      get.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(new StoredObject(rs.getLong(2), rs.getString(1))) : Optional.empty();
      }
    } catch (SQLException e) {
      throw StoreException.of("reading an object", e);
    }
  }

  /** The outbox seq of the newest committed change (every change up to it is in the database). */
  public long head() {
    try (Connection c = db.connection()) {
      return count(c, sql.head());
    } catch (SQLException e) {
      throw StoreException.of("reading the outbox head", e);
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
