package io.kubebackend.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Replicas and leases in the shared database: the whole coordination of several kube-backend processes on one
 * PostgreSQL, with no consensus of its own. A replica writes a heartbeat row; a lease row ({@code cluster:<id>},
 * {@code sinks}) names its owner until it expires, with a fencing epoch that grows at every takeover.
 *
 * <p>Every time is the database's clock, never a replica's: replicas with skewed clocks still agree on when a lease
 * expired. Taking a lease is one statement that succeeds only on an expired (or released) row, so two replicas never
 * both take it. A holder proves it still holds it inside its own write transaction with {@link #holds}, which locks
 * the row until that transaction ends: a takeover waits for it, and a write after a takeover finds a newer epoch and
 * writes nothing.
 */
public final class Leases {
  /** The lease of the replica that runs the sinks (Kafka, RabbitMQ). */
  public static final String SINKS = "sinks";
  /** Every cluster lease's name starts with this (see {@link #clusterLease}). */
  public static final String CLUSTER_PREFIX = "cluster:";
  /** How long PostgreSQL lets a lease holder's write transaction sit idle before ending its session. */
  static final Duration STOPPED_HOLDER_TIMEOUT = Duration.ofSeconds(2);
  /** How long taking a lease waits for the row's lock. */
  static final Duration ACQUIRE_LOCK_WAIT = Duration.ofMillis(500);
  /** PostgreSQL's SQLSTATE for a lock_timeout. */
  private static final String LOCK_NOT_AVAILABLE = "55P03";
  /** The database's clock in milliseconds, as an SQL expression. */
  private final String now;
  /** See {@link #holds}. */
  private final String holdsSql;
  private final Database db;

  public Leases(Database db) {
    this.db = db;
    this.now = db.dialect() == Dialect.POSTGRESQL ? "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
        : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
    String lease = "SELECT 1 FROM leases WHERE name = ? AND owner = ? AND epoch = ?";
    // On PostgreSQL the row is locked (FOR SHARE), and a holder stopped inside this transaction (SIGSTOP, a long
    // GC pause, a cut network) would keep that lock, and with it the takeover and every other replica's outbox
    // writes, until its TCP connection died, which can take hours. The server ends such a session instead (the
    // transaction-local idle_in_transaction_session_timeout, set by the same statement: one round trip); its
    // transaction rolls back and its lock goes.
    this.holdsSql = db.dialect() == Dialect.POSTGRESQL
        ? "SELECT EXISTS (" + lease + " FOR SHARE), set_config('idle_in_transaction_session_timeout', '"
            + STOPPED_HOLDER_TIMEOUT.toMillis() + "', true)"
        : "SELECT EXISTS (" + lease + ")";
  }

  /** A lease row as read, with the database's time of the read. */
  public record Lease(String name, String owner, long epoch, long acquiredMs, long expiresMs, long nowMs) {
    public boolean expired() {
      return expiresMs <= nowMs;
    }
  }

  /** A replica's heartbeat row, with the database's time of the read. */
  public record Replica(String id, long startedMs, long heartbeatMs, long nowMs) {}

  /** Writes this replica's heartbeat row as it starts. */
  public void join(String replicaId) {
    update("INSERT INTO replicas (replica_id, started_ms, heartbeat_ms) VALUES (?, " + now + ", " + now + ")"
        + " ON CONFLICT (replica_id) DO UPDATE SET started_ms = excluded.started_ms,"
        + " heartbeat_ms = excluded.heartbeat_ms", replicaId);
  }

  /** Refreshes this replica's heartbeat row. */
  public void heartbeat(String replicaId) {
    update("INSERT INTO replicas (replica_id, started_ms, heartbeat_ms) VALUES (?, " + now + ", " + now + ")"
        + " ON CONFLICT (replica_id) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms", replicaId);
  }

  /** Deletes this replica's heartbeat row: it stops cleanly, the others rebalance at once. */
  public void leave(String replicaId) {
    update("DELETE FROM replicas WHERE replica_id = ?", replicaId);
  }

  /** The replicas whose last heartbeat is younger than {@code ttl}, by id. */
  public List<Replica> live(Duration ttl) {
    String sql = "SELECT replica_id, started_ms, heartbeat_ms, " + now + " FROM replicas WHERE heartbeat_ms > "
        + now + " - ? ORDER BY replica_id";
    List<Replica> out = new ArrayList<>();
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, ttl.toMillis());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Replica(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
        }
      }
    } catch (SQLException e) {
      throw StoreException.of("reading the replicas", e);
    }
    return out;
  }

  /** Every lease whose name starts with {@code prefix}, by name. */
  public List<Lease> list(String prefix) {
    String sql = "SELECT name, owner, epoch, acquired_ms, expires_ms, " + now + " FROM leases"
        + " WHERE substr(name, 1, ?) = ? ORDER BY name";
    List<Lease> out = new ArrayList<>();
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, prefix.length());
      ps.setString(2, prefix);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Lease(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
              rs.getLong(6)));
        }
      }
    } catch (SQLException e) {
      throw StoreException.of("reading the leases", e);
    }
    return out;
  }

  /** Who holds the lease now (not expired), if anyone. */
  public Optional<String> holder(String name) {
    String sql = "SELECT owner FROM leases WHERE name = ? AND expires_ms > " + now;
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw StoreException.of("reading the lease " + name, e);
    }
  }

  /**
   * Takes the lease if nobody holds it (never taken, expired or released), with the next epoch; empty if someone
   * else (or an earlier holder under the same replica id) still holds it.
   */
  public OptionalLong acquire(String name, String owner, Duration ttl) {
    String sql = "INSERT INTO leases (name, owner, epoch, acquired_ms, expires_ms) VALUES (?, ?, 1, " + now + ", "
        + now + " + ?) ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, epoch = leases.epoch + 1,"
        + " acquired_ms = excluded.acquired_ms, expires_ms = excluded.expires_ms"
        + " WHERE leases.expires_ms <= excluded.acquired_ms RETURNING epoch";
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      try {
        if (db.dialect() == Dialect.POSTGRESQL) {
          // The row is locked while its holder writes (see holds): waiting for that here would stall the caller's
          // whole round, renewals included. Not taken now is taken at a later round.
          try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL lock_timeout = " + ACQUIRE_LOCK_WAIT.toMillis());
          }
        }
        OptionalLong taken;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
          ps.setString(1, name);
          ps.setString(2, owner);
          ps.setLong(3, ttl.toMillis());
          try (ResultSet rs = ps.executeQuery()) {
            taken = rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
          }
        }
        c.commit();
        return taken;
      } catch (SQLException e) {
        Database.rollbackAfter(c, e);
        if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
          return OptionalLong.empty();
        }
        throw e;
      }
    } catch (SQLException e) {
      throw StoreException.of("taking the lease " + name, e);
    }
  }

  /** Extends a held lease by {@code ttl} from now; false if it is no longer held at this epoch. */
  public boolean renew(String name, String owner, long epoch, Duration ttl) {
    return update("UPDATE leases SET expires_ms = " + now + " + ? WHERE name = ? AND owner = ? AND epoch = ?",
        ttl.toMillis(), name, owner, epoch) == 1;
  }

  /** Gives a held lease up at once (a clean stop or a handover): the next owner need not wait for it to expire. */
  public void release(String name, String owner, long epoch) {
    update("UPDATE leases SET expires_ms = " + now + " WHERE name = ? AND owner = ? AND epoch = ?", name, owner, epoch);
  }

  /**
   * Whether {@code owner} holds the lease at {@code epoch}, checked inside the caller's transaction on {@code c}
   * and locking the row (PostgreSQL) until that transaction ends: a takeover cannot commit in between, so what the
   * transaction writes is written by the lease's holder. A lease that expired but was not taken over still holds:
   * nobody else has written since.
   */
  public boolean holds(Connection c, String name, String owner, long epoch) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(holdsSql)) {
      ps.setString(1, name);
      ps.setString(2, owner);
      ps.setLong(3, epoch);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /** Deletes a lease in the caller's transaction (its cluster was removed): whoever held it then writes nothing. */
  public void delete(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM leases WHERE name = ?")) {
      ps.setString(1, name);
      ps.executeUpdate();
    }
  }

  private int update(String sql, Object... args) {
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw StoreException.of("writing a lease", e);
    }
  }

  /** The lease name of a cluster's mirror. */
  public static String clusterLease(String clusterId) {
    return CLUSTER_PREFIX + clusterId;
  }
}
