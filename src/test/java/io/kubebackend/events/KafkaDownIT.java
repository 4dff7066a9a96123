package io.kubebackend.events;

import static io.kubebackend.events.EventsTestBed.await;
import static io.kubebackend.events.EventsTestBed.createConfigMap;
import static io.kubebackend.events.EventsTestBed.updateConfigMap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.KubeBackend;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.ObjectKey;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Kafka goes down, 500 changes happen, Kafka comes back: the mirror stayed current meanwhile, the events waited
 * in the outbox, and all 500 arrive in order. This test stops and starts the shared test broker (only the event
 * tests use Kafka) and always starts it again.
 */
class KafkaDownIT {
  private static final int OBJECTS = 10;
  private static final int CHANGES = 500;

  /** The test's own ConfigMaps (the namespace also gets kube-root-ca.crt from the controller manager). */
  private static boolean ours(ChangeEvent e, String ns) {
    return e.namespace().equals(ns) && e.name().startsWith("cm-");
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void changesMadeWhileKafkaIsDownArriveInOrderWhenItIsBack(Dialect dialect) throws Exception {
    String ns = EventsTestBed.unique("kdown");
    String topic = EventsTestBed.unique("kb-it-down");
    Map<String, List<String>> expectedRvs = new LinkedHashMap<>();
    Map<String, String> lastRv = new LinkedHashMap<>();
    try (KubernetesClient kube = EventsTestBed.kube();
         TopicConsumer consumer = TopicConsumer.onNewTopic(topic);
         KubeBackend backend = KubeBackend.start(EventsTestBed.config(TestDatabases.freshUrl(dialect), topic))) {
      EventsTestBed.createNamespace(kube, ns);
      try {
        for (int i = 0; i < OBJECTS; i++) {
          String name = "cm-" + i;
          lastRv.put(name, createConfigMap(kube, ns, name));
          expectedRvs.put(name, new ArrayList<>());
        }
        await("the creates published while Kafka is up", 60_000,
            () -> consumer.eventsByKey(e -> ours(e, ns)).size() == OBJECTS);

        TestServers.run("scripts/kafka.sh", "stop");
        try {
          for (int i = 0; i < CHANGES; i++) {
            String name = "cm-" + (i % OBJECTS);
            String rv = updateConfigMap(kube, ns, name, "v" + i);
            expectedRvs.get(name).add(rv);
            lastRv.put(name, rv);
          }
          await("the mirror current while Kafka is down", 60_000, () -> lastRv.entrySet().stream().allMatch(x ->
              backend.store().get(new ObjectKey(EventsTestBed.CLUSTER_ID, "", "configmaps", ns, x.getKey()))
                  .map(o -> o.resourceVersion().equals(x.getValue())).orElse(false)));
          long acked = backend.events().publisher().orElseThrow().acked();
          assertTrue(backend.events().reader().head() - acked >= CHANGES,
              "the changes wait in the outbox, unpublished (head " + backend.events().reader().head()
                  + ", acknowledged " + acked + ")");
        } finally {
          TestServers.run("scripts/kafka.sh", "start");
        }

        await("all " + CHANGES + " changes published after Kafka is back", 180_000, () ->
            consumer.eventsByKey(e -> ours(e, ns) && e.op().code.equals("u")).values().stream()
                .mapToInt(List::size).sum() == CHANGES);
        Map<String, List<ChangeEvent>> got = consumer.eventsByKey(e -> ours(e, ns) && e.op().code.equals("u"));
        for (var x : expectedRvs.entrySet()) {
          String key = EventsTestBed.CLUSTER_ID + "//configmaps/" + ns + "/" + x.getKey();
          assertEquals(x.getValue(), got.get(key).stream().map(ChangeEvent::resourceVersion).toList(),
              "updates of " + x.getKey() + " in order, none missing");
        }
      } finally {
        EventsTestBed.deleteNamespace(kube, ns);
      }
    }
  }
}
