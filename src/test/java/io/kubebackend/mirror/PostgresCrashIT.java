package io.kubebackend.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.cluster.ResourceType;
import io.kubebackend.store.Change;
import io.kubebackend.store.Database;
import io.kubebackend.store.SqlMirrorStore;
import io.kubebackend.testing.Await;
import io.kubebackend.testing.PrivatePostgres;
import io.kubebackend.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The real writer against a real PostgreSQL that crashes ({@code pg_ctl restart -m immediate}: every connection
 * cut in the middle of its transaction, crash recovery on start) three times while changes stream in: a heartbeat
 * every 20 ms, which the writer commits one change per transaction on a pooled connection the crash has killed
 * (the case a chaos run lost for good), and bursts of thousands, committed in batches of 1,000, in the middle of
 * which the server is crashed. Afterwards the outbox holds every change, in order per object, and none was counted
 * as refused. The server is this test's own: crashing the shared one would fail other tests.
 */
class PostgresCrashIT {
  private static final ResourceType CONFIGMAPS = new ResourceType("", "v1", "configmaps", "ConfigMap", true);
  private static final int OBJECTS = 300;
  private static final int BURST = 6_000;
  private static final String NS = "churn";

  /** What the test submitted, per object name, in submission order: {@code op:resourceVersion}. */
  private final Map<String, List<String>> submitted = new HashMap<>();
  private final Set<String> live = new HashSet<>();
  private long resourceVersion;
  private ChangeWriter writer;

  @Test
  void everyChangeReachesTheOutboxThroughDatabaseCrashes() throws Exception {
    try (PrivatePostgres pg = PrivatePostgres.start("crash-it");
         Database db = Database.open(TestDatabases.freshPostgresUrl(pg.url()), null, null)) {
      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      writer = new ChangeWriter(new SqlMirrorStore(db, Clock.systemUTC()), 20_000, 1_000, metrics);
      AtomicBoolean beating = new AtomicBoolean(true);
      Thread heartbeat = Thread.ofPlatform().name("heartbeat").start(() -> heartbeat(beating));
      try {
        crash(pg, metrics, "in the middle of a burst", this::midBurst);
        crash(pg, metrics, "between heartbeats", this::betweenHeartbeats);
        crash(pg, metrics, "in the middle of a burst", this::midBurst);
        midBurst();
      } finally {
        beating.set(false);
        heartbeat.join();
        assertTrue(writer.awaitWritten(180_000), "the writer caught up after the last crash");
        writer.close();
      }
      assertEquals(0.0, metrics.get("kb.mirror.write.rejected").counter().count(), "changes counted as refused");
      assertEveryChangeInTheOutboxInOrder(db);
      assertRowsHoldTheLastChange(db);
      System.out.println("[crash-it] " + submitted.values().stream().mapToInt(List::size).sum() + " changes, "
          + (long) failures(metrics) + " failed transactions");
    }
  }

  private interface Moment {
    void reach() throws InterruptedException;
  }

  /** Crashes the server at a moment, and checks the crash did hit a write of the writer. */
  private void crash(PrivatePostgres pg, SimpleMeterRegistry metrics, String when, Moment moment)
      throws InterruptedException {
    moment.reach();
    double failuresBefore = failures(metrics);
    pg.crashAndRestart();
    Await.until(Duration.ofSeconds(60), "the crash " + when + " failing a write",
        () -> failures(metrics) > failuresBefore);
  }

  private static double failures(SimpleMeterRegistry metrics) {
    return metrics.get("kb.mirror.write.failures").counter().count();
  }

  /** Submits a burst and returns once the writer has committed a quarter of it. */
  private void midBurst() throws InterruptedException {
    long from = writer.written();
    for (int i = 0; i < BURST; i++) {
      submitNext();
    }
    Await.until(Duration.ofSeconds(120), "the writer inside the burst", () -> writer.written() > from + BURST / 4);
  }

  /** Returns once everything submitted is written: the writer then only waits for the next heartbeat. */
  private void betweenHeartbeats() throws InterruptedException {
    assertTrue(writer.awaitWritten(120_000), "the writer caught up with the heartbeats");
  }

  private void heartbeat(AtomicBoolean beating) {
    try {
      while (beating.get()) {
        submitNext();
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Submits the next change and records it, under one lock so the record has the queue's order. Every 40th change
   * of an object deletes it (the next one creates it again); resourceVersions count up across all objects.
   */
  private synchronized void submitNext() throws InterruptedException {
    resourceVersion++;
    String name = "cm-" + (resourceVersion % OBJECTS);
    String version = Long.toString(resourceVersion);
    List<String> history = submitted.computeIfAbsent(name, n -> new ArrayList<>());
    Change change;
    if (live.contains(name) && history.size() % 40 == 39) {
      change = new Change.Delete("c1", CONFIGMAPS, NS, name, "uid-" + name, version, json(name, version));
      live.remove(name);
      history.add("d:" + version);
    } else {
      Change.Op op = live.add(name) ? Change.Op.CREATE : Change.Op.UPDATE;
      change = new Change.Upsert("c1", CONFIGMAPS, NS, name, "uid-" + name, version, "{}", List.of(), null,
          json(name, version), op);
      history.add(op.code + ":" + version);
    }
    writer.submit(change);
  }

  private static String json(String name, String rv) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\""
        + NS + "\",\"uid\":\"uid-" + name + "\",\"resourceVersion\":\"" + rv + "\"},\"data\":{\"rv\":\"" + rv
        + "\"}}";
  }

  /**
   * Each object's events in seq order equal what was submitted for it: none missing, none out of order, none twice
   * (a commit whose answer the crash cut off may have happened; the retry must then not write it again).
   */
  private void assertEveryChangeInTheOutboxInOrder(Database db) throws Exception {
    Map<String, LinkedHashSet<String>> recorded = new HashMap<>();
    long repeats = 0;
    try (Connection c = db.connection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT name, op, resource_version FROM events ORDER BY seq")) {
      while (rs.next()) {
        if (!recorded.computeIfAbsent(rs.getString(1), n -> new LinkedHashSet<>())
            .add(rs.getString(2) + ":" + rs.getString(3))) {
          repeats++;
        }
      }
    }
    int missing = 0;
    for (var e : submitted.entrySet()) {
      List<String> got = new ArrayList<>(recorded.getOrDefault(e.getKey(), new LinkedHashSet<>()));
      if (!got.equals(e.getValue())) {
        missing++;
        Set<String> lost = new LinkedHashSet<>(e.getValue());
        got.forEach(lost::remove);
        System.out.println("[crash-it] " + e.getKey() + ": not in the outbox " + lost + (lost.isEmpty()
            ? " (all there, out of order)" : ""));
      }
    }
    assertEquals(0, missing, "objects whose changes the outbox lacks or reorders");
    assertEquals(0, repeats, "events in the outbox twice");
    assertEquals(submitted.keySet(), recorded.keySet());
  }

  private void assertRowsHoldTheLastChange(Database db) throws Exception {
    Map<String, String> rows = new HashMap<>();
    try (Connection c = db.connection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT name, resource_version FROM objects")) {
      while (rs.next()) {
        rows.put(rs.getString(1), rs.getString(2));
      }
    }
    Map<String, String> expected = new HashMap<>();
    submitted.forEach((name, history) -> {
      String last = history.getLast();
      if (!last.startsWith("d:")) {
        expected.put(name, last.substring(last.indexOf(':') + 1));
      }
    });
    assertEquals(expected, rows);
  }
}
