package io.kubebackend.auth;

import io.kubebackend.store.Database;
import io.kubebackend.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Users, roles with their grants, and token hashes in SQL (tables {@code auth_*}, migration V3). The same SQL
 * runs on PostgreSQL and SQLite. Database failures leave as {@link StoreException}; rule violations the caller can
 * fix (an unknown role, a duplicate name) as {@link AuthException}.
 */
public final class AuthStore {

  /** A stored user; {@code passwordHash} is bcrypt and never leaves the auth package. */
  record UserRow(String name, String passwordHash, String role, long createdMs) {}

  /** The owner of a stored token. */
  record TokenRow(String user, String role, long expiresMs) {}

  private final Database db;

  public AuthStore(Database db) {
    this.db = db;
  }

  // ---- users ----

  long userCount() {
    return queryLong("SELECT COUNT(*) FROM auth_users");
  }

  Optional<UserRow> user(String name) {
    List<UserRow> rows = users("SELECT name, password_hash, role, created_ms FROM auth_users WHERE name = ?", name);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  List<UserRow> users() {
    return users("SELECT name, password_hash, role, created_ms FROM auth_users ORDER BY name");
  }

  long usersWithRole(String role) {
    return queryLong("SELECT COUNT(*) FROM auth_users WHERE role = ?", role);
  }

  /** Inserts a user; 409 if the name is taken. The role must exist (checked by the caller's transaction order). */
  void insertUser(String name, String passwordHash, String role, long now) {
    try {
      inTransaction(c -> {
        if (!exists(c, "SELECT 1 FROM auth_roles WHERE name = ?", role)) {
          throw AuthException.notFound("role " + role + " does not exist");
        }
        if (exists(c, "SELECT 1 FROM auth_users WHERE name = ?", name)) {
          throw AuthException.conflict("user " + name + " already exists");
        }
        update(c, "INSERT INTO auth_users (name, password_hash, role, created_ms, password_changed_ms)"
            + " VALUES (?, ?, ?, ?, ?)", name, passwordHash, role, now, now);
        return null;
      });
    } catch (SQLException e) {
      throw conflictOr(e, "user " + name + " already exists", "creating a user");
    }
  }

  /** Deletes a user and their tokens; false if there was none. */
  boolean deleteUser(String name) {
    try {
      return inTransaction(c -> {
        update(c, "DELETE FROM auth_tokens WHERE user_name = ?", name);
        int n = update(c, "DELETE FROM auth_users WHERE name = ?", name);
        return n > 0;
      });
    } catch (SQLException e) {
      throw StoreException.of("deleting a user", e);
    }
  }

  /** Sets a user's role; false if the user does not exist, 404 if the role does not. */
  boolean setRole(String name, String role) {
    try {
      return inTransaction(c -> {
        if (!exists(c, "SELECT 1 FROM auth_roles WHERE name = ?", role)) {
          throw AuthException.notFound("role " + role + " does not exist");
        }
        int n = update(c, "UPDATE auth_users SET role = ? WHERE name = ?", role, name);
        return n > 0;
      });
    } catch (SQLException e) {
      throw StoreException.of("setting a role", e);
    }
  }

  /**
   * Replaces a user's password hash and revokes their tokens except {@code keepTokenHash} (the caller's own, when
   * users change their own password); false if the user does not exist.
   */
  boolean setPassword(String name, String passwordHash, long now, String keepTokenHash) {
    try {
      return inTransaction(c -> {
        int n = update(c, "UPDATE auth_users SET password_hash = ?, password_changed_ms = ? WHERE name = ?",
            passwordHash, now, name);
        update(c, "DELETE FROM auth_tokens WHERE user_name = ? AND token_hash <> ?", name,
            keepTokenHash == null ? "" : keepTokenHash);
        return n > 0;
      });
    } catch (SQLException e) {
      throw StoreException.of("changing a password", e);
    }
  }

  // ---- roles ----

  Optional<Role> role(String name) {
    if (queryLong("SELECT COUNT(*) FROM auth_roles WHERE name = ?", name) == 0) {
      return Optional.empty();
    }
    return Optional.of(new Role(name, grants(name)));
  }

  List<Role> roles() {
    List<Role> out = new ArrayList<>();
    for (String name : queryStrings("SELECT name FROM auth_roles ORDER BY name")) {
      out.add(new Role(name, grants(name)));
    }
    return out;
  }

  List<Grant> grants(String role) {
    List<Grant> out = new ArrayList<>();
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("SELECT cluster, namespace, kind, can_read, can_write"
             + " FROM auth_grants WHERE role = ? ORDER BY cluster, namespace, kind")) {
      ps.setString(1, role);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Grant(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4), rs.getBoolean(5)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw StoreException.of("reading grants", e);
    }
  }

  /** Creates the role or replaces its grants, in one transaction. */
  void putRole(Role role, long now) {
    try {
      inTransaction(c -> {
        update(c, "INSERT INTO auth_roles (name, created_ms) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            role.name(), now);
        update(c, "DELETE FROM auth_grants WHERE role = ?", role.name());
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO auth_grants (role, cluster, namespace, kind,"
            + " can_read, can_write) VALUES (?, ?, ?, ?, ?, ?)")) {
          for (Grant g : role.grants()) {
            ps.setString(1, role.name());
            ps.setString(2, g.cluster());
            ps.setString(3, g.namespace());
            ps.setString(4, g.kind());
            ps.setBoolean(5, g.read());
            ps.setBoolean(6, g.write());
            ps.addBatch();
          }
          if (!role.grants().isEmpty()) {
            ps.executeBatch();
          }
        }
        return null;
      });
    } catch (SQLException e) {
      throw conflictOr(e, "role " + role.name() + " has the same grant twice", "saving a role");
    }
  }

  /** Deletes a role and its grants; false if there was none, 409 if a user still has it. */
  boolean deleteRole(String name) {
    try {
      return inTransaction(c -> {
        if (exists(c, "SELECT 1 FROM auth_users WHERE role = ?", name)) {
          throw AuthException.conflict("role " + name + " is still given to users");
        }
        update(c, "DELETE FROM auth_grants WHERE role = ?", name);
        int n = update(c, "DELETE FROM auth_roles WHERE name = ?", name);
        return n > 0;
      });
    } catch (SQLException e) {
      throw conflictOr(e, "role " + name + " is still given to users", "deleting a role");
    }
  }

  // ---- tokens ----

  void insertToken(String tokenHash, String user, long issuedMs, long expiresMs) {
    try (Connection c = db.connection()) {
      update(c, "INSERT INTO auth_tokens (token_hash, user_name, issued_ms, expires_ms) VALUES (?, ?, ?, ?)",
          tokenHash, user, issuedMs, expiresMs);
    } catch (SQLException e) {
      throw StoreException.of("storing a token", e);
    }
  }

  Optional<TokenRow> token(String tokenHash) {
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("SELECT u.name, u.role, t.expires_ms FROM auth_tokens t"
             + " JOIN auth_users u ON u.name = t.user_name WHERE t.token_hash = ?")) {
      ps.setString(1, tokenHash);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(new TokenRow(rs.getString(1), rs.getString(2), rs.getLong(3)))
            : Optional.empty();
      }
    } catch (SQLException e) {
      throw StoreException.of("reading a token", e);
    }
  }

  boolean deleteToken(String tokenHash) {
    try (Connection c = db.connection()) {
      return update(c, "DELETE FROM auth_tokens WHERE token_hash = ?", tokenHash) > 0;
    } catch (SQLException e) {
      throw StoreException.of("revoking a token", e);
    }
  }

  int deleteExpiredTokens(long now) {
    try (Connection c = db.connection()) {
      return update(c, "DELETE FROM auth_tokens WHERE expires_ms <= ?", now);
    } catch (SQLException e) {
      throw StoreException.of("deleting expired tokens", e);
    }
  }

  // ---- login buckets (see LoginRateLimiter) ----

  /** A bucket's refill: {@code capMilli} thousandths of an attempt when full, regained over {@code seconds}. */
  record BucketLimit(String bucket, long capMilli, int attempts, int seconds) {
    /**
     * The level at {@code now} of a bucket stored at {@code milli} at {@code lastMs}: what it regained since (none
     * if another replica's clock is ahead), capped when full. {@code attempts / seconds} thousandths per ms.
     */
    long levelAt(long milli, long lastMs, long now) {
      return Math.min(capMilli, milli + Math.max(0, now - lastMs) * attempts / seconds);
    }

    /** How long until a bucket at {@code level} holds one attempt (0 if it does). */
    long msUntilOne(long level) {
      return level >= 1000 ? 0 : ((1000 - level) * seconds + attempts - 1) / attempts;
    }
  }

  /**
   * Takes one attempt from every bucket, or from none if one of them has less than one; returns 0 when taken, else
   * how many ms until every bucket holds one again. One transaction: each bucket row is upserted first, which locks
   * it (PostgreSQL; SQLite has one writer), so concurrent logins on any number of replicas never take more than a
   * bucket holds and pruning cannot delete it in between. Buckets are taken in the order given, so two logins never
   * wait on each other's rows in opposite order.
   */
  long takeAttempt(List<BucketLimit> buckets, long now) {
    try {
      return inTransaction(c -> {
        long[] levels = new long[buckets.size()];
        long[] lastMs = new long[buckets.size()];
        long wait = 0;
        for (int i = 0; i < buckets.size(); i++) {
          BucketLimit b = buckets.get(i);
          try (PreparedStatement ps = c.prepareStatement("INSERT INTO auth_login_buckets (bucket, milli, last_ms)"
              + " VALUES (?, ?, ?) ON CONFLICT (bucket) DO UPDATE SET bucket = excluded.bucket"
              + " RETURNING milli, last_ms")) {
            bind(ps, b.bucket(), b.capMilli(), now);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              levels[i] = b.levelAt(rs.getLong(1), rs.getLong(2), now);
              lastMs[i] = rs.getLong(2);
            }
          }
          wait = Math.max(wait, b.msUntilOne(levels[i]));
        }
        if (wait > 0) {
          c.rollback();
          return wait;
        }
        for (int i = 0; i < buckets.size(); i++) {
          update(c, "UPDATE auth_login_buckets SET milli = ?, last_ms = ? WHERE bucket = ?", levels[i] - 1000,
              Math.max(lastMs[i], now), buckets.get(i).bucket());
        }
        return 0L;
      });
    } catch (SQLException e) {
      throw StoreException.of("counting a login attempt", e);
    }
  }

  /** Gives one attempt back to a bucket, up to full. */
  void giveBackAttempt(BucketLimit b) {
    try (Connection c = db.connection()) {
      update(c, "UPDATE auth_login_buckets SET milli = CASE WHEN milli + 1000 > ? THEN ? ELSE milli + 1000 END"
          + " WHERE bucket = ?", b.capMilli(), b.capMilli(), b.bucket());
    } catch (SQLException e) {
      throw StoreException.of("counting a login attempt", e);
    }
  }

  /** Deletes buckets untouched since {@code before}: they have refilled, and a missing bucket is a full one. */
  int deleteIdleBuckets(long before) {
    try (Connection c = db.connection()) {
      return update(c, "DELETE FROM auth_login_buckets WHERE last_ms < ?", before);
    } catch (SQLException e) {
      throw StoreException.of("pruning login attempts", e);
    }
  }

  // ---- plumbing ----

  /** Work inside one transaction. */
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /** Runs {@code work} in a transaction: committed when it returns, rolled back when it throws. */
  private <T> T inTransaction(Work<T> work) throws SQLException {
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        Database.rollbackAfter(c, e);
        throw e;
      }
    }
  }

  /** Reads one column or row shape per result row. */
  private interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  private <T> List<T> query(String sql, RowReader<T> reader, Object... args) {
    List<T> out = new ArrayList<>();
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(reader.read(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw StoreException.of("reading auth tables", e);
    }
  }

  private List<UserRow> users(String sql, Object... args) {
    return query(sql, rs -> new UserRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)), args);
  }

  private long queryLong(String sql, Object... args) {
    return query(sql, rs -> rs.getLong(1), args).getFirst();
  }

  private List<String> queryStrings(String sql, Object... args) {
    return query(sql, rs -> rs.getString(1), args);
  }

  private static boolean exists(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      return ps.executeUpdate();
    }
  }

  private static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
  }

  /** A constraint violation (a concurrent insert of the same name) is a 409; anything else a store failure. */
  private static RuntimeException conflictOr(SQLException e, String conflictMessage, String what) {
    StoreException se = StoreException.of(what, e);
    return se.kind() == StoreException.Kind.CONFLICT ? AuthException.conflict(conflictMessage) : se;
  }
}
