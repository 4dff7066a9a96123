package io.kubebackend.events;

import io.kubebackend.retry.Backoff;
import io.kubebackend.store.Database;
import io.kubebackend.store.SqlMirrorStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL with several replicas: commits of the other replicas wake this replica's outbox readers (watches,
 * event streams, the publisher) through LISTEN on {@link SqlMirrorStore#OUTBOX_CHANNEL}, as this replica's own
 * commits do directly. Losing it only delays: the readers poll on a timeout anyway.
 */
final class OutboxNotifications implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutboxNotifications.class);

  private final Database db;
  private final OutboxSignal signal;
  private final Thread thread;
  private volatile boolean running = true;

  OutboxNotifications(Database db, OutboxSignal signal) {
    this.db = db;
    this.signal = signal;
    this.thread = Thread.ofPlatform().name("outbox-listen").daemon().start(this::run);
  }

  private void run() {
    Backoff backoff = new Backoff();
    while (running) {
      try (Connection c = db.connection()) {
        try (Statement st = c.createStatement()) {
          st.execute("LISTEN " + SqlMirrorStore.OUTBOX_CHANNEL);
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        backoff.reset();
        // Commits made while not listening: readers look once.
        signal.signal();
        while (running) {
          PGNotification[] got = pg.getNotifications(1_000);
          if (got != null && got.length > 0) {
            signal.signal();
          }
        }
        // The connection goes back to the pool: nobody else should receive these.
        try (Statement st = c.createStatement()) {
          st.execute("UNLISTEN *");
        }
      } catch (SQLException e) {
        if (!running) {
          return;
        }
        long wait = backoff.next();
        log.debug("outbox notifications: {}; listening again in {} ms", e.getMessage(), wait);
        try {
          Thread.sleep(wait);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(3_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
