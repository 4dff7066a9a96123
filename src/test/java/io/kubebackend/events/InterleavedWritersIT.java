package io.kubebackend.events;

import static io.kubebackend.events.SyntheticChanges.upsert;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.store.Change;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.SqlMirrorStore;
import io.kubebackend.testing.TestDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Two writers on one PostgreSQL (two replicas' stores) forced into the bad order on purpose: writer A has taken its
 * seq and is held before its commit (the test locks the object row A must update); writer B, on another cluster,
 * would commit a higher seq first if seqs were only taken, not ordered. A reader that advances past what it has seen,
 * as every outbox reader does (the SSE stream, the Kubernetes watch and the sinks all read through
 * {@link OutboxReader}), would then skip A's event for good. The outbox counter row is held to the commit, so B
 * waits for A: the reader never sees B's seq before A's, and reads both.
 */
class InterleavedWritersIT {

  @Test
  void aWriterHeldBeforeItsCommitHoldsBackEveryLaterSeq() throws Exception {
    String url = TestDatabases.freshUrl(Dialect.POSTGRESQL);
    // A thread each: the common pool may have a single thread on a small machine, and these tasks block.
    ExecutorService threads = Executors.newCachedThreadPool();
    try (Database db = Database.open(url, null, null)) {
      SqlMirrorStore replicaA = new SqlMirrorStore(db, Clock.systemUTC());
      SqlMirrorStore replicaB = new SqlMirrorStore(db, Clock.systemUTC());
      replicaA.apply(List.of(upsert("a", "ns", "x", "1", Change.Op.READ)));
      OutboxReader reader = new OutboxReader(db);
      long start = reader.head();

      // The reader: follows the outbox from the start as a stream does, moving its cursor past all it examined.
      AtomicBoolean reading = new AtomicBoolean(true);
      List<ChangeEvent> seen = new ArrayList<>();
      CompletableFuture<Void> follower = CompletableFuture.runAsync(() -> {
        long after = start;
        while (reading.get() || after < reader.head()) {
          OutboxReader.Batch b = reader.readAfter(after, 100, OutboxReader.Filter.ALL);
          seen.addAll(b.events());
          after = b.nextAfter();
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, threads);

      CompletableFuture<Void> writerA;
      CompletableFuture<Void> writerB;
      try (Connection lock = db.connection()) {
        lock.setAutoCommit(false);
        try (PreparedStatement ps = lock.prepareStatement(
            "SELECT 1 FROM objects WHERE cluster = 'a' AND name = 'x' FOR UPDATE")) {
          ps.executeQuery().close();
        }
        writerA = CompletableFuture.runAsync(() -> replicaA.apply(List.of(upsert("a", "ns", "x", "2",
            Change.Op.UPDATE))), threads);
        awaitWaiting(db, 1);
        writerB = CompletableFuture.runAsync(() -> replicaB.apply(List.of(upsert("b", "ns", "y", "1",
            Change.Op.CREATE))), threads);
        awaitWaiting(db, 2);
        Thread.sleep(300);
        // B touches nothing of A's but the counter row: that it waits shows A took its seq before the held row.
        assertTrue(!writerA.isDone() && !writerB.isDone(), "both writers wait: A for the row, B for A's seq");
        assertEquals(start, reader.head(), "nothing past the start is visible while A holds its seq");
        lock.rollback();
      }
      writerA.get(30, TimeUnit.SECONDS);
      writerB.get(30, TimeUnit.SECONDS);
      reading.set(false);
      follower.get(30, TimeUnit.SECONDS);

      // Had B committed first, the reader would have moved past B's seq and never read A's event.
      assertEquals(List.of("x", "y"), seen.stream().map(ChangeEvent::name).toList(), "the reader saw both, in order");
      assertEquals(List.of(start + 1, start + 2), seen.stream().map(ChangeEvent::seq).toList());
    } finally {
      threads.shutdownNow();
      TestDatabases.drop(url);
    }
  }

  /** Waits until {@code n} sessions of this database wait for a lock. */
  private static void awaitWaiting(Database db, int n) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
          "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
           ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (rs.getInt(1) >= n) {
          return;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("fewer than " + n + " sessions wait for a lock");
  }
}
