package io.kubebackend.events;

import static io.kubebackend.events.SyntheticChanges.upsert;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.KubeBackend;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.store.Change;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.SqlMirrorStore;
import io.kubebackend.testing.TestDatabases;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The outbox gauges as a Prometheus scrape of a running backend's {@code /metrics} sees them while publishing is
 * behind (its Kafka is unreachable): numbers that describe the backlog, also after garbage collections (Micrometer
 * holds a gauge's state object only weakly).
 */
class OutboxMetricsIT {
  private static final int CHANGES = 7;
  /** When the outbox events were committed: the publish lag is at least this old. */
  private static final Duration AGE = Duration.ofHours(1);

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void outboxGaugesReadTheBacklogWhileKafkaIsUnreachable(Dialect dialect) throws Exception {
    String url = TestDatabases.freshUrl(dialect);
    long head;
    try (Database db = Database.open(url, null, null)) {
      List<Change> changes = new ArrayList<>();
      for (int i = 0; i < CHANGES; i++) {
        changes.add(upsert("c1", "ns", "o-" + i, Integer.toString(i + 1), Change.Op.CREATE));
      }
      new SqlMirrorStore(db, Clock.fixed(Instant.now().minus(AGE), ZoneOffset.UTC)).apply(changes);
      head = newestSeq(db);
    }
    String topic = EventsTestBed.unique("kb-it-gauges");
    BackendConfig.Kafka kafka = new BackendConfig.Kafka(unreachableBootstrap(), topic, "24h", Map.of());
    try (KubeBackend backend = KubeBackend.start(EventsTestBed.configWithoutClusters(url, kafka))) {
      collectGarbage();
      String lagEvents = "kb_events_publish_lag_events{sink=\"kafka\",topic=\"" + topic + "\"}";
      String lagSeconds = "kb_events_publish_lag_seconds{sink=\"kafka\",topic=\"" + topic + "\"}";
      // The gauges refresh at most once a second, and the lag counts once the publisher has read its position.
      Map<String, Double> gauges = scrape(backend.port());
      for (long deadline = System.nanoTime() + 30_000_000_000L;
           value(gauges, lagEvents) != head && System.nanoTime() < deadline; ) {
        Thread.sleep(100);
        gauges = scrape(backend.port());
      }
      assertEquals((double) head, value(gauges, "kb_events_outbox_head"), "outbox head in " + gauges);
      assertEquals((double) head, value(gauges, "kb_events_outbox_events"), "events held (none pruned) in " + gauges);
      assertEquals((double) head, value(gauges, lagEvents), "every event unpublished, in " + gauges);
      assertTrue(value(gauges, lagSeconds) >= AGE.toSeconds(),
          "the oldest unpublished event is at least " + AGE + " old, in " + gauges);
    }
  }

  /** Runs full collections until a weakly held object is gone: weakly held gauge state would be gone too. */
  private static void collectGarbage() throws InterruptedException {
    WeakReference<Object> canary = new WeakReference<>(new Object());
    for (int i = 0; i < 100 && canary.get() != null; i++) {
      System.gc();
      Thread.sleep(10);
    }
    assertNull(canary.get(), "a garbage collection cleared weak references");
  }

  /** A loopback port nothing listens on: connections to it are refused. */
  private static String unreachableBootstrap() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + s.getLocalPort();
    }
  }

  private static long newestSeq(Database db) throws Exception {
    try (Connection c = db.connection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT MAX(seq) FROM events")) {
      assertTrue(rs.next());
      return rs.getLong(1);
    }
  }

  /** A sample's value; NaN when the scrape does not have it. */
  private static double value(Map<String, Double> samples, String name) {
    return samples.getOrDefault(name, Double.NaN);
  }

  /** The kb_events_ samples of the Prometheus text format: name with labels -> value. */
  private static Map<String, Double> scrape(int port) throws Exception {
    String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Double> samples = new HashMap<>();
    body.lines().filter(l -> l.startsWith("kb_events_")).forEach(l -> {
      int space = l.lastIndexOf(' ');
      samples.put(l.substring(0, space), Double.parseDouble(l.substring(space + 1)));
    });
    return samples;
  }
}
