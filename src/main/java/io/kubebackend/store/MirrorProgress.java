package io.kubebackend.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Tells whether the mirror has stored a given change of an object yet, for read-your-writes after a write to an
 * apiserver. Looks at the object's row and, because the writer keeps only the last state per object within a
 * batch (a create followed at once by a controller's status update leaves only the update's row), also at the
 * events outbox, which has one row per change. Only events after a mark taken before the write are scanned
 * (a range of the primary key). resourceVersions are compared for equality only.
 */
public final class MirrorProgress {
  private static final String KEY = "cluster = ? AND api_group = ? AND resource = ? AND namespace = ? AND name = ?";

  private final Database db;

  public MirrorProgress(Database db) {
    this.db = db;
  }

  /** The newest outbox sequence number: take it before a write, pass it to the checks after. */
  public long mark() {
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM events");
         ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw StoreException.of("reading the outbox position", e);
    }
  }

  /** Whether the mirror keeps this resource of the cluster (it has a sync status row while it does). */
  public boolean mirrors(String cluster, String group, String resource) {
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement(
             "SELECT 1 FROM sync_status WHERE cluster = ? AND api_group = ? AND resource = ?")) {
      ps.setString(1, cluster);
      ps.setString(2, group);
      ps.setString(3, resource);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw StoreException.of("reading the sync status of " + cluster, e);
    }
  }

  /**
   * The outbox seq of the object's state at {@code resourceVersion}, once stored (the row's, or a later event's in
   * the outbox after {@code mark}); 0 while it is not.
   */
  public long storedSeq(ObjectKey key, long mark, String resourceVersion) {
    try (Connection c = db.connection()) {
      Row row = row(c, key);
      if (row != null && resourceVersion.equals(row.resourceVersion())) {
        return row.seq();
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT seq FROM events WHERE seq > ? AND " + KEY
          + " AND resource_version = ? ORDER BY seq DESC LIMIT 1")) {
        ps.setLong(1, mark);
        key.bind(ps, 2);
        ps.setString(7, resourceVersion);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getLong(1) : 0;
        }
      }
    } catch (SQLException e) {
      throw StoreException.of("checking the mirror of " + key.path(), e);
    }
  }

  /**
   * Whether the deletion of the object with {@code uid} has been stored: its row is gone or belongs to a new object
   * of the same name, or still shows {@code keptVersion} (the state the apiserver returned when finalizers keep
   * the object), or the outbox has its delete event.
   */
  public boolean deleted(ObjectKey key, long mark, String uid, String keptVersion) {
    try (Connection c = db.connection()) {
      Row row = row(c, key);
      if (row == null || (uid != null && !uid.equals(row.uid()))
          || (keptVersion != null && keptVersion.equals(row.resourceVersion()))) {
        return true;
      }
      return uid != null && exists(c, "SELECT 1 FROM events WHERE seq > ? AND " + KEY + " AND op = 'd' AND uid = ?",
          mark, key, uid);
    } catch (SQLException e) {
      throw StoreException.of("checking the mirror of " + key.path(), e);
    }
  }

  private record Row(String resourceVersion, String uid, long seq) {}

  private static Row row(Connection c, ObjectKey key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT resource_version, uid, seq FROM objects WHERE " + KEY)) {
      key.bind(ps, 1);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new Row(rs.getString(1), rs.getString(2), rs.getLong(3)) : null;
      }
    }
  }

  private static boolean exists(Connection c, String sql, long mark, ObjectKey key, String last) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql + " LIMIT 1")) {
      ps.setLong(1, mark);
      key.bind(ps, 2);
      ps.setString(7, last);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

}
