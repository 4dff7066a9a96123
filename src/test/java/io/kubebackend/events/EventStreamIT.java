package io.kubebackend.events;

import static io.kubebackend.events.EventsTestBed.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.KubeBackend;
import io.kubebackend.api.ChangeStreamRoutes;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.SyncState;
import io.kubebackend.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The SSE stream resumes exactly after Last-Event-ID, and answers 410 for what was pruned. No Kafka needed. */
class EventStreamIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void reconnectingClientReceivesExactlyWhatItMissed(Dialect dialect) throws Exception {
    String ns = EventsTestBed.unique("sse");
    try (KubernetesClient kube = EventsTestBed.kube();
         KubeBackend backend = KubeBackend.start(EventsTestBed.config(TestDatabases.freshUrl(dialect), null))) {
      EventsTestBed.createNamespace(kube, ns);
      try {
        await("ConfigMaps synced", 60_000, () -> backend.store().syncStatus(EventsTestBed.CLUSTER_ID).stream()
            .anyMatch(s -> s.resource().equals("configmaps") && s.state() == SyncState.SYNCED));
        String token = EventsTestBed.adminToken(backend.port());
        String url = "http://127.0.0.1:" + backend.port() + ChangeStreamRoutes.PATH + "?cluster="
            + EventsTestBed.CLUSTER_ID + "&kind=ConfigMap&namespace=" + ns;

        String lastId;
        try (SseTestClient first = SseTestClient.connect(url, token, null)) {
          EventsTestBed.createConfigMap(kube, ns, "a");
          EventsTestBed.updateConfigMap(kube, ns, "a", "1");
          List<SseTestClient.Frame> got = untilOurs(first, 2);
          assertEquals(List.of("c a", "u a"), describe(got));
          lastId = got.getLast().id();
        }

        // Changed while the client is away.
        EventsTestBed.updateConfigMap(kube, ns, "a", "2");
        EventsTestBed.createConfigMap(kube, ns, "b");
        EventsTestBed.deleteConfigMap(kube, ns, "a");
        OutboxReader.Filter filter = new OutboxReader.Filter(EventsTestBed.CLUSTER_ID, null, "ConfigMap", null, ns);
        long after = Long.parseLong(lastId);
        await("the missed changes committed", 30_000, () -> ours(backend.events().reader()
            .readAfter(after, 100, filter).events()).size() == 3);
        List<ChangeEvent> missed = backend.events().reader().readAfter(after, 100, filter).events();

        try (SseTestClient second = SseTestClient.connect(url, token, lastId)) {
          List<SseTestClient.Frame> got = new ArrayList<>();
          for (int i = 0; i < missed.size(); i++) {
            SseTestClient.Frame f = second.next(30_000);
            assertNotNull(f, "missed event " + i);
            got.add(f);
          }
          assertEquals(missed.stream().map(e -> Long.toString(e.seq())).toList(),
              got.stream().map(SseTestClient.Frame::id).toList(), "exactly the events after Last-Event-ID");
          assertEquals(List.of("u a", "c b", "d a"), describe(got));
          for (int i = 0; i < got.size(); i++) {
            assertEquals(ChangeEvent.parse(missed.get(i).toJson()), ChangeEvent.parse(got.get(i).data()));
          }
          // Nothing else queued before the next change: it comes next.
          EventsTestBed.createConfigMap(kube, ns, "c");
          assertEquals(List.of("c c"), describe(untilOurs(second, 1)));
        }

        // The kubesys view of the same stream.
        try (SseTestClient kubesys = SseTestClient.connect(url + "&format=kubesys&from=" + lastId, token, null)) {
          JsonNode first = JSON.readTree(kubesys.next(30_000).data());
          assertEquals("MODIFIED", first.get("type").asText());
          assertEquals("a", first.at("/data/metadata/name").asText());
        }

        assertPrunedSeqIsGone(backend, url, token, lastId);
      } finally {
        EventsTestBed.deleteNamespace(kube, ns);
      }
    }
  }

  private static void assertPrunedSeqIsGone(KubeBackend backend, String url, String token, String lastId) throws Exception {
    // Prune everything (retention 0 at a clock an hour ahead), as the embedded pruner would after retention.
    Clock later = Clock.offset(Clock.systemUTC(), Duration.ofHours(1));
    long pruned = new OutboxPruner(backend.database(), Duration.ZERO, OptionalLong::empty, later).pruneOnce();
    assertTrue(pruned > 0);
    HttpResponse<String> gone = SseTestClient.get(url, token, lastId);
    assertEquals(410, gone.statusCode());
    JsonNode body = JSON.readTree(gone.body());
    assertEquals(410, body.get("code").asInt());
    assertEquals("Expired", body.get("reason").asText());
    assertEquals(400, SseTestClient.get(url + "&from=yesterday", token, null).statusCode());
    assertEquals(401, SseTestClient.get(url, null, null).statusCode(), "the stream needs a token");
    // Starting from what is retained still works.
    try (SseTestClient fromOldest = SseTestClient.connect(url + "&from=oldest", token, null)) {
      assertEquals(200, fromOldest.status);
    }
  }

  /** Frames of the test's objects (the namespace also holds kube-root-ca.crt), until {@code n} arrived. */
  private static List<SseTestClient.Frame> untilOurs(SseTestClient client, int n) throws InterruptedException {
    List<SseTestClient.Frame> out = new ArrayList<>();
    while (out.size() < n) {
      SseTestClient.Frame f = client.next(30_000);
      assertNotNull(f, "an event within 30 s");
      if (ChangeEvent.parse(f.data()).name().length() == 1) {
        out.add(f);
      }
    }
    return out;
  }

  private static List<ChangeEvent> ours(List<ChangeEvent> events) {
    return events.stream().filter(e -> e.name().length() == 1).toList();
  }

  private static List<String> describe(List<SseTestClient.Frame> frames) {
    return frames.stream().map(f -> ChangeEvent.parse(f.data())).filter(e -> e.name().length() == 1)
        .map(e -> e.op().code + " " + e.name()).toList();
  }
}
