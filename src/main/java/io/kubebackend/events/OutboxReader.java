package io.kubebackend.events;

import io.kubebackend.store.Change;
import io.kubebackend.store.Database;
import io.kubebackend.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Reads the outbox in sequence order, in bounded batches: memory never holds more than one batch.
 *
 * <p>Sequence order is commit order because one writer ({@code ChangeWriter}) appends to the outbox: a reader
 * that has seen seq {@code n} will never later find a newly committed event below {@code n}. Every read is one
 * statement, hence one snapshot, so the events it returns, the head and the prune marker agree with each other.
 */
public final class OutboxReader {
  private final Database db;

  public OutboxReader(Database db) {
    this.db = db;
  }

  /** Which events a reader wants; null fields match everything. */
  public record Filter(String cluster, String group, String kind, String resource, String namespace, String name) {
    public static final Filter ALL = new Filter(null, null, null, null, null, null);

    /** Without a name: the events of a kind, namespace or cluster. */
    public Filter(String cluster, String group, String kind, String resource, String namespace) {
      this(cluster, group, kind, resource, namespace, null);
    }

    boolean matchesAll() {
      return cluster == null && group == null && kind == null && resource == null && namespace == null
          && name == null;
    }
  }

  /**
   * One read.
   *
   * @param events        matching events with seq after the requested one, in seq order, at most the limit
   * @param nextAfter     where the next read starts: the last event's seq when the batch is full, else the outbox
   *                      head (every event up to it was examined, even those the filter dropped)
   * @param prunedThrough every event with seq at or below this was pruned from the outbox
   * @param head          the highest seq in the outbox (or the prune marker when it is empty)
   * @param full          the batch stopped at its event or byte limit: more may follow at once
   */
  public record Batch(List<ChangeEvent> events, long nextAfter, long prunedThrough, long head, boolean full) {
    /** True when the events after {@code afterSeq} are no longer all in the outbox. */
    public boolean gapAfter(long afterSeq) {
      return afterSeq < prunedThrough;
    }
  }

  /** Object JSON per read at most (plus one event): a batch of large objects stays a few MB. */
  public static final long DEFAULT_MAX_BYTES = 8L << 20;

  public Batch readAfter(long afterSeq, int limit, Filter filter) {
    return readAfter(afterSeq, limit, DEFAULT_MAX_BYTES, filter);
  }

  /**
   * Events after {@code afterSeq}: at most {@code limit}, and no more once their object JSON reaches
   * {@code maxBytes} (at least one event, however large).
   */
  public Batch readAfter(long afterSeq, int limit, long maxBytes, Filter filter) {
    if (limit < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("limit and maxBytes must be positive");
    }
    List<Object> args = new ArrayList<>();
    args.add(afterSeq);
    StringBuilder page = new StringBuilder("SELECT 1 AS part, seq, CAST(NULL AS BIGINT) AS head, op, ts_ms,"
        + " cluster, api_group, version, kind, resource, namespace, name, uid, resource_version, ")
        .append(db.dialect().jsonText("object")).append(" AS object FROM events WHERE seq > ?");
    if (!filter.matchesAll()) {
      condition(page, args, "cluster", filter.cluster());
      condition(page, args, "api_group", filter.group());
      condition(page, args, "kind", filter.kind());
      condition(page, args, "resource", filter.resource());
      condition(page, args, "namespace", filter.namespace());
      condition(page, args, "name", filter.name());
    }
    page.append(" ORDER BY seq LIMIT ?");
    args.add(limit);
    // One statement, so one snapshot on both databases (PostgreSQL takes one per statement): the first row
    // carries the prune marker and the head, the events follow.
    String sql = "SELECT 0 AS part, (SELECT seq FROM outbox_pruned WHERE id = 1) AS seq,"
        + " (SELECT MAX(seq) FROM events) AS head," + " NULL,".repeat(11) + " NULL"
        + " UNION ALL SELECT * FROM (" + page + ") page ORDER BY part, seq";
    try (Connection c = db.connection()) {
      // Without autocommit PostgreSQL fetches in slices of the fetch size, so stopping at the byte limit leaves
      // the remaining rows in the database instead of in memory.
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        for (int i = 0; i < args.size(); i++) {
          ps.setObject(i + 1, args.get(i));
        }
        ps.setFetchSize(Math.min(limit, 100) + 1);
        long pruned;
        long head;
        List<ChangeEvent> events = new ArrayList<>();
        long bytes = 0;
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next() || rs.getInt(1) != 0) {
            throw new IllegalStateException("the outbox query returned no marker row");
          }
          pruned = rs.getLong(2);
          head = Math.max(pruned, rs.getLong(3));
          while (bytes < maxBytes && rs.next()) {
            ChangeEvent e = event(rs);
            events.add(e);
            bytes += e.objectJson().length();
          }
        }
        c.commit();
        boolean full = events.size() == limit || bytes >= maxBytes;
        long next = full ? events.getLast().seq() : Math.max(afterSeq, head);
        return new Batch(events, next, pruned, head, full);
      } catch (SQLException | RuntimeException e) {
        Database.rollbackAfter(c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw StoreException.of("reading the outbox after seq " + afterSeq, e);
    }
  }

  /** The highest seq in the outbox, or the prune marker when the outbox is empty. */
  public long head() {
    try (Connection c = db.connection()) {
      return Math.max(prunedThrough(c), head(c));
    } catch (SQLException e) {
      throw StoreException.of("reading the outbox head", e);
    }
  }

  /** Commit time of the first event after {@code seq}, if there is one (for the publish lag). */
  public OptionalLong firstTsAfter(long seq) {
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("SELECT ts_ms FROM events WHERE seq > ? ORDER BY seq LIMIT 1")) {
      ps.setLong(1, seq);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
      }
    } catch (SQLException e) {
      throw StoreException.of("reading the outbox", e);
    }
  }

  public long prunedThrough() {
    try (Connection c = db.connection()) {
      return prunedThrough(c);
    } catch (SQLException e) {
      throw StoreException.of("reading the prune marker", e);
    }
  }

  static long prunedThrough(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT seq FROM outbox_pruned WHERE id = 1");
         ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private static long head(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT MAX(seq) FROM events");
         ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private static void condition(StringBuilder sql, List<Object> args, String column, String value) {
    if (value != null) {
      sql.append(" AND ").append(column).append(" = ?");
      args.add(value);
    }
  }

  /** An event row of the read query: columns 2 and 4..15 (column 3 is the marker row's head). */
  private static ChangeEvent event(ResultSet rs) throws SQLException {
    return new ChangeEvent(rs.getLong(2), Change.Op.ofCode(rs.getString(4).trim()), rs.getLong(5), rs.getString(6),
        rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getString(11), rs.getString(12),
        rs.getString(13), rs.getString(14), rs.getString(15));
  }
}
