package io.kubebackend.events;

import static io.kubebackend.events.EventsTestBed.await;
import static io.kubebackend.events.EventsTestBed.createConfigMap;
import static io.kubebackend.events.EventsTestBed.updateConfigMap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import io.kubebackend.KubeBackend;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.TestDatabases;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A consumer reading the topic from the beginning sees every change of every object the test touched, in
 * resourceVersion order, without gaps, starting with the snapshot reads of the initial sync.
 */
class KafkaPublishIT {

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void consumerSeesEveryChangeOfEachObjectInOrder(Dialect dialect) throws Exception {
    String ns = EventsTestBed.unique("kpub");
    String topic = EventsTestBed.unique("kb-it-publish");
    // key -> expected "op rv" in order ("d" without rv: a delete's resourceVersion is not returned to the client)
    Map<String, List<String>> expected = new LinkedHashMap<>();
    try (KubernetesClient kube = EventsTestBed.kube();
         TopicConsumer consumer = TopicConsumer.onNewTopic(topic)) {
      EventsTestBed.createNamespace(kube, ns);
      try {
        for (int i = 0; i < 4; i++) {
          expected.put(key(ns, "pre-" + i), new ArrayList<>(List.of("r " + createConfigMap(kube, ns, "pre-" + i))));
        }
        try (KubeBackend backend = KubeBackend.start(EventsTestBed.config(TestDatabases.freshUrl(dialect), topic))) {
          await("the snapshot reads of the initial sync", 60_000,
              () -> consumer.eventsByKey(e -> e.namespace().equals(ns)).keySet().containsAll(expected.keySet()));

          for (int i = 0; i < 4; i++) {
            String name = "new-" + i;
            expected.put(key(ns, name), new ArrayList<>(List.of("c " + createConfigMap(kube, ns, name))));
          }
          for (int round = 1; round <= 3; round++) {
            for (String name : List.of("pre-0", "pre-1", "pre-2", "pre-3", "new-0", "new-1", "new-2", "new-3")) {
              expected.get(key(ns, name)).add("u " + updateConfigMap(kube, ns, name, Integer.toString(round)));
            }
          }
          for (String name : List.of("pre-0", "new-0")) {
            EventsTestBed.deleteConfigMap(kube, ns, name);
            expected.get(key(ns, name)).add("d");
          }

          await("every change published", 60_000, () -> {
            Map<String, List<ChangeEvent>> got = consumer.eventsByKey(e -> e.namespace().equals(ns));
            return expected.entrySet().stream().allMatch(x -> got.getOrDefault(x.getKey(), List.of()).size()
                == x.getValue().size());
          });
          Map<String, List<ChangeEvent>> got = consumer.eventsByKey(e -> e.namespace().equals(ns));
          for (var x : expected.entrySet()) {
            List<String> actual = got.get(x.getKey()).stream()
                .map(e -> e.op().code + (e.op().code.equals("d") ? "" : " " + e.resourceVersion())).toList();
            assertEquals(x.getValue(), actual, "changes of " + x.getKey());
          }
          assertEventsDescribeTheirObjects(got);
          assertTombstoneFollowsEachDelete(consumer, ns);
          assertMetricsPublished(backend.port(), topic);
        }
      } finally {
        EventsTestBed.deleteNamespace(kube, ns);
      }
    }
  }

  private static void assertMetricsPublished(int port, String topic) throws Exception {
    String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    for (String name : List.of("kb_events_outbox_head ", "kb_events_outbox_events ",
        "kb_events_publish_lag_events{sink=\"kafka\",topic=\"" + topic + "\"}", "kb_events_publish_lag_seconds{sink=\"kafka\",topic=\"" + topic
            + "\"}", "kb_events_stream_clients ")) {
      assertTrue(metrics.contains(name), "metrics has " + name);
    }
    double published = metrics.lines().filter(l -> l.startsWith("kb_events_published_total{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    assertTrue(published > 0, "kb_events_published_total counts published events");
  }

  private static String key(String ns, String name) {
    return EventsTestBed.CLUSTER_ID + "//configmaps/" + ns + "/" + name;
  }

  private static void assertEventsDescribeTheirObjects(Map<String, List<ChangeEvent>> byKey) {
    for (var x : byKey.entrySet()) {
      for (ChangeEvent e : x.getValue()) {
        assertEquals(x.getKey(), e.key().path(), "record key = cluster/group/resource/namespace/name");
        assertEquals("ConfigMap", e.kind());
        assertEquals("v1", e.version());
        assertTrue(e.objectJson().contains(e.name()), "the object is the changed object");
        assertTrue(e.ts() > 0 && e.seq() > 0 && !e.uid().isEmpty());
      }
    }
  }

  private static void assertTombstoneFollowsEachDelete(TopicConsumer consumer, String ns) {
    List<TopicConsumer.Received> records = consumer.records();
    int deletes = 0;
    for (int i = 0; i < records.size(); i++) {
      TopicConsumer.Received r = records.get(i);
      if (r.event() != null && r.event().namespace().equals(ns) && r.event().op().code.equals("d")) {
        deletes++;
        TopicConsumer.Received next = null;
        for (int j = i + 1; j < records.size(); j++) {
          if (records.get(j).partition() == r.partition()) {
            next = records.get(j);
            break;
          }
        }
        assertTrue(next != null, "a record after the delete of " + r.key());
        assertEquals(r.key(), next.key());
        assertNull(next.value(), "a tombstone right after the delete");
        assertEquals(r.seq(), next.seq());
      }
    }
    assertEquals(2, deletes);
  }
}
