package io.kubebackend.events;

import io.kubebackend.store.Database;
import io.kubebackend.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes events older than the retention from the outbox, oldest first, never past what the Kafka publisher
 * has acknowledged (with no publisher, the outbox is the queue and retention alone decides).
 *
 * <p>It deletes a prefix of the outbox in seq order and moves the {@code outbox_pruned} marker in the same
 * transaction, so "every event at or below the marker is gone, every later one is kept" holds at every commit:
 * a stream client resuming below the marker is told it missed events (410) instead of silently skipping them.
 * Chunks of {@link #CHUNK} keep each transaction (and SQLite's write lock) short.
 */
public final class OutboxPruner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutboxPruner.class);
  static final int CHUNK = 5_000;

  private final Database db;
  private final Duration retention;
  private final Supplier<OptionalLong> publishedThrough;
  private final Clock clock;
  private ScheduledExecutorService schedule;

  /**
   * @param publishedThrough the position of the publisher whose events must not be pruned before delivery, or
   *                         empty when there is none (embedded mode)
   */
  public OutboxPruner(Database db, Duration retention, Supplier<OptionalLong> publishedThrough, Clock clock) {
    this.db = db;
    this.retention = retention;
    this.publishedThrough = publishedThrough;
    this.clock = clock;
  }

  /** Prunes every {@code interval} until closed. */
  public OutboxPruner start(Duration interval) {
    schedule = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("outbox-pruner")
        .daemon().unstarted(r));
    schedule.scheduleWithFixedDelay(this::pruneLogged, interval.toMillis(), interval.toMillis(),
        TimeUnit.MILLISECONDS);
    return this;
  }

  private void pruneLogged() {
    try {
      long n = pruneOnce();
      if (n > 0) {
        log.info("pruned {} events older than {} from the outbox", n, retention);
      }
    } catch (RuntimeException e) {
      log.warn("pruning the outbox failed (retrying at the next run): {}", e.getMessage());
    }
  }

  /** Deletes what is due now; returns how many events were deleted. */
  public long pruneOnce() {
    long cutoffMs = clock.millis() - retention.toMillis();
    OptionalLong published = publishedThrough.get();
    long limit = published.orElse(Long.MAX_VALUE);
    long total = 0;
    while (true) {
      long deleted = pruneChunk(cutoffMs, limit);
      total += deleted;
      if (deleted < CHUNK) {
        return total;
      }
    }
  }

  private long pruneChunk(long cutoffMs, long maxSeq) {
    // Read outside the write transaction: events below the head never change and only this pruner moves the
    // marker, so the prefix found stays valid. The write transaction then starts with its first write, which
    // on SQLite waits for the write lock instead of failing on a stale read snapshot.
    try (Connection c = db.connection()) {
      long marker = OutboxReader.prunedThrough(c);
      // The longest prefix after the marker that is old enough and delivered. A younger event stops it even if
      // later ones are older (clock stepped back): the prefix rule is what makes the marker exact.
      long upTo = marker;
      int counted = 0;
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT seq, ts_ms FROM events WHERE seq > ? ORDER BY seq LIMIT " + CHUNK)) {
        ps.setLong(1, marker);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long seq = rs.getLong(1);
            if (rs.getLong(2) >= cutoffMs || seq > maxSeq) {
              break;
            }
            upTo = seq;
            counted++;
          }
        }
      }
      if (upTo == marker) {
        return 0;
      }
      c.setAutoCommit(false);
      try (PreparedStatement del = c.prepareStatement("DELETE FROM events WHERE seq > ? AND seq <= ?");
           PreparedStatement mark = c.prepareStatement(
               "UPDATE outbox_pruned SET seq = ?, updated_ms = ? WHERE id = 1 AND seq = ?")) {
        del.setLong(1, marker);
        del.setLong(2, upTo);
        del.executeUpdate();
        mark.setLong(1, upTo);
        mark.setLong(2, clock.millis());
        mark.setLong(3, marker);
        if (mark.executeUpdate() != 1) {
          throw new IllegalStateException("the prune marker moved during pruning: is a second pruner running?");
        }
        c.commit();
        return counted;
      } catch (SQLException | RuntimeException e) {
        Database.rollbackAfter(c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw StoreException.of("pruning the outbox", e);
    }
  }

  @Override
  public void close() {
    if (schedule != null) {
      schedule.shutdownNow();
      try {
        schedule.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
