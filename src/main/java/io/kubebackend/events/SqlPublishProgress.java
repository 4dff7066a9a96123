package io.kubebackend.events;

import io.kubebackend.store.Database;
import io.kubebackend.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;

/** {@link PublishProgress} kept in the {@code publisher_progress} table, one row per destination name. */
public final class SqlPublishProgress implements PublishProgress {
  private final Database db;
  private final String name;
  private final Clock clock;

  /** {@code name} identifies the destination, e.g. {@code kafka:kube-backend.events}. */
  public SqlPublishProgress(Database db, String name, Clock clock) {
    this.db = db;
    this.name = name;
    this.clock = clock;
  }

  public String name() {
    return name;
  }

  @Override
  public long position() {
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("SELECT seq FROM publisher_progress WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    } catch (SQLException e) {
      throw StoreException.of("reading the position of publisher " + name, e);
    }
  }

  @Override
  public void markPublished(long seq) {
    // The WHERE keeps the mark monotonic even if an older writer of the same name lingers (e.g. a process being
    // replaced): a position never moves back, so pruning never re-exposes what it already trusted as delivered.
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("INSERT INTO publisher_progress (name, seq, updated_ms)"
             + " VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq,"
             + " updated_ms = excluded.updated_ms WHERE publisher_progress.seq < excluded.seq")) {
      ps.setString(1, name);
      ps.setLong(2, seq);
      ps.setLong(3, clock.millis());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw StoreException.of("recording the position of publisher " + name, e);
    }
  }
}
