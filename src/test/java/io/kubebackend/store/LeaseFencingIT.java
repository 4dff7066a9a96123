package io.kubebackend.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.cluster.ResourceType;
import io.kubebackend.testing.TestDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Leases and fencing on a real PostgreSQL: one holder at a time, a takeover waits for the holder's open write and
 * raises the epoch, and a store whose epoch is stale writes nothing. Checked with SQL of the test's own.
 */
class LeaseFencingIT {
  private static final ResourceType CM = new ResourceType("", "v1", "configmaps", "ConfigMap", true);
  private static final Duration LONG = Duration.ofMinutes(1);

  private Database db;
  private Leases leases;

  @BeforeEach
  void open() {
    db = TestDatabases.fresh(Dialect.POSTGRESQL);
    leases = new Leases(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void oneHolderAtATimeAndEachTakeoverRaisesTheEpoch() {
    String name = Leases.clusterLease("c1");
    assertEquals(OptionalLong.of(1), leases.acquire(name, "a", LONG));
    assertEquals(OptionalLong.empty(), leases.acquire(name, "b", LONG), "held by a");
    assertEquals(OptionalLong.empty(), leases.acquire(name, "a", LONG), "held by a earlier, even for a");
    assertTrue(leases.renew(name, "a", 1, LONG));
    leases.release(name, "a", 1);
    assertEquals(OptionalLong.of(2), leases.acquire(name, "b", LONG));
    assertFalse(leases.renew(name, "a", 1, LONG), "a's epoch is gone");
    assertEquals(OptionalLong.empty(), leases.acquire(name, "a", LONG));
    Leases.Lease l = leases.list("cluster:").getFirst();
    assertEquals("b", l.owner());
    assertEquals(2, l.epoch());
    assertFalse(l.expired());
  }

  @Test
  void anExpiredLeaseIsTakenOverAndItsFormerHolderRenewsNothing() throws Exception {
    String name = Leases.clusterLease("c1");
    assertEquals(OptionalLong.of(1), leases.acquire(name, "a", Duration.ofMillis(200)));
    Thread.sleep(400);
    assertTrue(leases.list("cluster:").getFirst().expired());
    assertEquals(OptionalLong.of(2), leases.acquire(name, "b", LONG));
    assertFalse(leases.renew(name, "a", 1, LONG));
  }

  @Test
  void aStoreWritesOnlyUnderTheEpochTheDatabaseHas() {
    leases.acquire(Leases.clusterLease("c1"), "a", LONG);
    leases.release(Leases.clusterLease("c1"), "a", 1);
    leases.acquire(Leases.clusterLease("c1"), "b", LONG);
    SqlMirrorStore stale = new SqlMirrorStore(db, Clock.systemUTC());
    List<String> fenced = new ArrayList<>();
    stale.fenceWith(fence("a", Map.of("c1", 1L), fenced));
    stale.apply(List.of(upsert("c1", "x", "10")));
    assertEquals(0, count("SELECT count(*) FROM objects"), "the former holder wrote a row");
    assertEquals(0, count("SELECT count(*) FROM events"), "the former holder wrote an event");
    assertEquals(List.of("c1@1"), fenced);
    assertEquals(1, stale.fencedChanges());

    SqlMirrorStore current = new SqlMirrorStore(db, Clock.systemUTC());
    current.fenceWith(fence("b", Map.of("c1", 2L), new ArrayList<>()));
    // A change of a cluster this replica does not hold is not written either.
    current.apply(List.of(upsert("c1", "x", "11"), upsert("c2", "y", "12")));
    assertEquals(1, count("SELECT count(*) FROM objects WHERE cluster = 'c1' AND epoch = 2"));
    assertEquals(1, count("SELECT count(*) FROM events WHERE cluster = 'c1' AND epoch = 2"));
    assertEquals(0, count("SELECT count(*) FROM objects WHERE cluster = 'c2'"));
    assertEquals(1, current.fencedChanges());
  }

  @Test
  void aTakeoverWaitsForTheHoldersOpenWriteAndRemovingAClusterDeletesItsLease() throws Exception {
    String name = Leases.clusterLease("c1");
    leases.acquire(name, "a", LONG);
    CompletableFuture<Void> release;
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      assertTrue(leases.holds(c, name, "a", 1));
      release = CompletableFuture.runAsync(() -> leases.release(name, "a", 1));
      Thread.sleep(500);
      assertFalse(release.isDone(), "the lease changed while its holder's transaction was open");
      c.commit();
    }
    release.get(10, TimeUnit.SECONDS);
    assertEquals(OptionalLong.of(2), leases.acquire(name, "b", LONG));

    SqlMirrorStore store = new SqlMirrorStore(db, Clock.systemUTC());
    store.fenceWith(fence("other-replica", Map.of(), new ArrayList<>()));
    store.apply(List.of(new Change.RemoveCluster("c1")));
    assertEquals(0, count("SELECT count(*) FROM leases WHERE name = 'cluster:c1'"));
  }

  /**
   * A holder stopped inside its write transaction (here: it just sends nothing more) loses its session after
   * {@link Leases#STOPPED_HOLDER_TIMEOUT}, so its expired lease is taken over then, not when its TCP connection
   * dies; a take that meets the lock meanwhile gives up at once instead of stalling its caller's round.
   */
  @Test
  void aHolderStoppedInsideItsWriteDoesNotKeepTheLeaseLocked() throws Exception {
    String name = Leases.clusterLease("c1");
    assertEquals(OptionalLong.of(1), leases.acquire(name, "a", Duration.ofMillis(100)));
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      assertTrue(leases.holds(c, name, "a", 1));
      Thread.sleep(200);
      long started = System.nanoTime();
      assertEquals(OptionalLong.empty(), leases.acquire(name, "b", LONG), "taken through the holder's lock");
      long waitedMs = (System.nanoTime() - started) / 1_000_000;
      assertTrue(waitedMs < Leases.STOPPED_HOLDER_TIMEOUT.toMillis(), "waited " + waitedMs + " ms for the lock");
      OptionalLong taken = OptionalLong.empty();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (taken.isEmpty() && System.nanoTime() < deadline) {
        taken = leases.acquire(name, "b", LONG);
      }
      assertEquals(OptionalLong.of(2), taken, "taken over once the stopped holder's session ended");
      assertThrows(SQLException.class, () -> {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1")) {
          ps.executeQuery();
        }
        c.commit();
      }, "the stopped holder's transaction is gone");
    }
    assertFalse(leases.renew(name, "a", 1, LONG));
  }

  /**
   * Other replicas' outbox readers wait on {@link SqlMirrorStore#OUTBOX_CHANNEL}: a commit that wrote events
   * notifies it, once it has committed; a commit without events does not.
   */
  @Test
  void aCommitWithEventsNotifiesTheOutboxChannel() throws Exception {
    leases.acquire(Leases.clusterLease("c1"), "a", LONG);
    SqlMirrorStore store = new SqlMirrorStore(db, Clock.systemUTC());
    store.fenceWith(fence("a", Map.of("c1", 1L), new ArrayList<>()));
    try (Connection listener = db.connection()) {
      PGConnection pg = listener.unwrap(PGConnection.class);
      try (var st = listener.createStatement()) {
        st.execute("LISTEN kb_outbox");
      }
      store.apply(List.of(upsert("c1", "x", "10")));
      PGNotification[] got = pg.getNotifications(5_000);
      assertTrue(got != null && got.length > 0, "no notification after a commit with an event");
      assertEquals("kb_outbox", got[0].getName());
      assertEquals(1, count("SELECT count(*) FROM events WHERE name = 'x'"));

      store.apply(List.of(new Change.Status("c1", CM, SyncState.SYNCED, 1, "10", null, null)));
      PGNotification[] none = pg.getNotifications(1_000);
      assertTrue(none == null || none.length == 0, "a commit without events notified");
    }
  }

  private static MirrorFence fence(String owner, Map<String, Long> epochs, List<String> fenced) {
    return new MirrorFence() {
      @Override
      public String owner() {
        return owner;
      }

      @Override
      public OptionalLong epoch(String clusterId) {
        Long e = epochs.get(clusterId);
        return e == null ? OptionalLong.empty() : OptionalLong.of(e);
      }

      @Override
      public void fenced(String clusterId, long epoch) {
        fenced.add(clusterId + "@" + epoch);
      }
    };
  }

  private static Change.Upsert upsert(String cluster, String name, String rv) {
    return new Change.Upsert(cluster, CM, "ns", name, "uid-" + name, rv, "{}", List.of(), null,
        "{\"metadata\":{\"name\":\"" + name + "\"}}", Change.Op.CREATE);
  }

  private long count(String sql) {
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql);
         ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
