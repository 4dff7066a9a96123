package io.kubebackend.events;

import static io.kubebackend.events.EventsTestBed.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.StompSubscriber;
import io.kubebackend.testing.TestServers;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.messaging.simp.stomp.StompCommand;

/**
 * The RabbitMQ sink against a real RabbitMQ (Debian's rabbitmq-server with Web-STOMP) and real clusters: with Kafka
 * beside it through a RabbitMQ outage, a STOMP-over-WebSocket subscriber of a kind queue, and bad settings.
 */
class RabbitSinkIT {
  private static final int OBJECTS = 50;
  private static final int UPDATES = 10;

  static BackendConfig.RabbitMq rabbit(String exchange) {
    return new BackendConfig.RabbitMq("127.0.0.1", TestServers.rabbitMq().amqpPort(), null, null, null, exchange,
        true, true, null, null, null);
  }

  @Test
  void kafkaAndRabbitMqEachGetEveryEventInOrderThroughARabbitMqOutage() throws Exception {
    String ns = EventsTestBed.unique("rmq-out");
    String exchange = EventsTestBed.unique("kb-it-rmq");
    String topic = EventsTestBed.unique("kb-it-rmq");
    try (KubernetesClient kube = EventsTestBed.kube();
         RabbitConsumer rabbitConsumer = RabbitConsumer.on(exchange);
         TopicConsumer kafkaConsumer = TopicConsumer.onNewTopic(topic);
         RunningBackend kb = RunningBackend.start(Dialect.SQLITE, c -> c
             .withKafka(new BackendConfig.Kafka(TestServers.kafkaBootstrap(), topic))
             .withRabbitMq(rabbit(exchange)), EventsTestBed.clusterSpec())) {
      EventsTestBed.createNamespace(kube, ns);
      try {
        for (int i = 0; i < OBJECTS; i++) {
          EventsTestBed.createConfigMap(kube, ns, "cm-" + i);
        }
        await("RabbitMQ has the creates", 60_000, () -> rabbitConsumer.eventsByObject(e -> e.namespace().equals(ns) && e.name().startsWith("cm-"))
            .size() == OBJECTS);
        SqlPublishProgress kafkaPosition = new SqlPublishProgress(kb.backend().database(), "kafka:" + topic,
            Clock.systemUTC());
        SqlPublishProgress rabbitPosition = new SqlPublishProgress(kb.backend().database(),
            RabbitPublisher.progressName(rabbit(exchange)), Clock.systemUTC());

        long outageStart = System.nanoTime();
        TestServers.stopRabbitMq();
        for (int v = 1; v <= UPDATES; v++) {
          for (int i = 0; i < OBJECTS; i++) {
            EventsTestBed.updateConfigMap(kube, ns, "cm-" + i, "v" + v);
          }
        }
        long head = kb.backend().events().reader().head();
        // Kafka goes on and keeps its own position; RabbitMQ's stays where the outage stopped it.
        await("Kafka has every update during the outage", 60_000, () -> countUpdates(kafkaConsumer
            .eventsByKey(e -> e.namespace().equals(ns) && e.name().startsWith("cm-"))) == OBJECTS * UPDATES);
        await("Kafka's position past the updates", 30_000, () -> kafkaPosition.position() >= head);
        long stuck = rabbitPosition.position();
        assertTrue(stuck < head, "RabbitMQ's position " + stuck + " stays behind the head " + head);
        long left = Duration.ofSeconds(60).toNanos() - (System.nanoTime() - outageStart);
        if (left > 0) {
          Thread.sleep(left / 1_000_000);
        }
        assertEquals(0.0, kb.metric("kb_events_sink_connected{sink=\"rabbitmq\""));
        TestServers.startRabbitMq();
        rabbitConsumer.reconnect();

        await("RabbitMQ has every update after the outage", 120_000, () -> countUpdates(rabbitConsumer
            .eventsByObject(e -> e.namespace().equals(ns) && e.name().startsWith("cm-"))) == OBJECTS * UPDATES);
        // Per object, in order, deduplicated by seq: the creates, then v1..v10, exactly as Kafka has them.
        Map<String, List<String>> viaRabbit = values(rabbitConsumer.eventsByObject(e -> e.namespace().equals(ns) && e.name().startsWith("cm-")));
        Map<String, List<String>> viaKafka = values(kafkaConsumer.eventsByKey(e -> e.namespace().equals(ns) && e.name().startsWith("cm-")));
        List<String> expected = new ArrayList<>(List.of("0"));
        for (int v = 1; v <= UPDATES; v++) {
          expected.add("v" + v);
        }
        assertEquals(OBJECTS, viaRabbit.size());
        viaRabbit.values().forEach(l -> assertEquals(expected, l));
        assertEquals(viaKafka.values().stream().toList(), viaRabbit.values().stream().toList());
        await("RabbitMQ's own position past the updates", 30_000, () -> rabbitPosition.position() >= head);
        assertEquals(1.0, kb.metric("kb_events_sink_connected{sink=\"rabbitmq\""));
        assertTrue(rabbitConsumer.received().stream().allMatch(r -> r.routingKey().equals(
            EventsTestBed.CLUSTER_ID + ".core.configmap") || !r.event().namespace().equals(ns)));
      } finally {
        EventsTestBed.deleteNamespace(kube, ns);
      }
    }
  }

  private static int countUpdates(Map<String, List<ChangeEvent>> byObject) {
    return (int) byObject.values().stream().flatMap(List::stream).filter(e -> e.op().code.equals("u")).count();
  }

  /** Per object, the values of data.n in the events' order. */
  private static Map<String, List<String>> values(Map<String, List<ChangeEvent>> byObject) {
    return byObject.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().stream()
        .map(ev -> ChangeEvent.parse(ev.toJson()).objectJson().replaceAll(".*\"n\":\"([^\"]*)\".*", "$1"))
        .toList(), (a, b) -> a, java.util.TreeMap::new));
  }

  @Test
  void aStompSubscriberOfAKindQueueHearsOfPodChangesInAnyCluster() throws Exception {
    String ns = EventsTestBed.unique("rmq-stomp");
    String exchange = EventsTestBed.unique("kb-it-stomp");
    var c1 = new io.kubebackend.cluster.ClusterSpec("stomp-1", TestServers.kubeconfig(1).toString(), null, null,
        null, null, null, List.of("pods"), List.of(), false, false);
    var c2 = new io.kubebackend.cluster.ClusterSpec("stomp-2", TestServers.kubeconfig(2).toString(), null, null,
        null, null, null, List.of("pods"), List.of(), false, false);
    try (KubernetesClient kube1 = EventsTestBed.kube();
         KubernetesClient kube2 = io.kubebackend.cluster.ClusterClients.connect(c2);
         RunningBackend kb = RunningBackend.start(Dialect.POSTGRESQL, c -> c.withRabbitMq(rabbit(exchange)), c1, c2);
         StompSubscriber stomp = StompSubscriber.connect(TestServers.rabbitMq().webStompUrl(), "guest", "guest")) {
      EventsTestBed.createNamespace(kube1, ns);
      EventsTestBed.createNamespace(kube2, ns);
      try {
        // The queue as kube-backend declares it: STOMP's /queue/ declares it again, so the properties must match.
        stomp.subscribe("/queue/pod", Map.of("durable", "true", "auto-delete", "false", "x-max-length", "10000"));
        for (KubernetesClient kube : List.of(kube1, kube2)) {
          String name = EventsTestBed.unique("p");
          long t0 = System.nanoTime();
          kube.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
              .withNewSpec().addNewContainer().withName("c").withImage("registry.k8s.io/pause:3.9").endContainer()
              .endSpec().build()).create();
          StompSubscriber.Frame got = null;
          while (got == null) {
            StompSubscriber.Frame f = stomp.next(Duration.ofSeconds(30));
            assertNotNull(f, "a STOMP message about pod " + name);
            assertEquals(StompCommand.MESSAGE, f.command(), f.toString());
            if (f.body().contains("\"" + name + "\"")) {
              got = f;
            }
          }
          System.out.printf("STOMP subscriber of /queue/pod heard of %s %.0f ms after the create%n", name,
              (System.nanoTime() - t0) / 1e6);
          ChangeEvent event = ChangeEvent.parse(got.body());
          assertEquals("Pod", event.kind());
          assertEquals(name, event.name());
        }
      } finally {
        EventsTestBed.deleteNamespace(kube1, ns);
        EventsTestBed.deleteNamespace(kube2, ns);
      }
    }
  }

  @Test
  void badSettingsAreReportedWhileTheMirrorGoesOnAndTheOutboxKeepsTheEvents() throws Exception {
    int closedPort;
    try (var s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    int port = TestServers.rabbitMq().amqpPort();
    Map<String, BackendConfig.RabbitMq> cases = new java.util.LinkedHashMap<>();
    cases.put("connection refused", new BackendConfig.RabbitMq("127.0.0.1", closedPort, null, null, null,
        "kb-it-bad", null, null, null, null, null));
    cases.put("vhost", new BackendConfig.RabbitMq("127.0.0.1", port, "/no-such-vhost", null, null, "kb-it-bad",
        null, null, null, null, null));
    cases.put("login refused", new BackendConfig.RabbitMq("127.0.0.1", port, null, "guest", "wrong-password",
        "kb-it-bad", null, null, null, null, null));
    for (var c : cases.entrySet()) {
      try (RunningBackend kb = RunningBackend.start(Dialect.SQLITE, cfg -> cfg.withRabbitMq(c.getValue()),
          EventsTestBed.clusterSpec())) {
        OutboxSink sink = kb.backend().events().sinks().getFirst();
        await(c.getKey() + ": the sink reports its failure", 60_000, () -> sink.lastError() != null
            && kb.metric("kb_events_sink_failures_total{sink=\"rabbitmq\"") >= 1);
        assertTrue(sink.lastError().contains(c.getKey()), sink.lastError());
        assertTrue(!sink.lastError().contains("wrong-password"), sink.lastError());
        assertEquals(0.0, kb.metric("kb_events_sink_connected{sink=\"rabbitmq\""));
        var status = kb.get("/api/v1/sinks");
        assertEquals(200, status.statusCode(), status.body());
        assertTrue(status.body().contains(c.getKey()) && !status.body().contains("wrong-password"), status.body());
        // The mirror goes on, and the outbox keeps every event for the sink.
        await("the mirror stores objects", 60_000, () -> kb.backend().events().reader().head() > 0);
        assertEquals(0, new SqlPublishProgress(kb.backend().database(),
            RabbitPublisher.progressName(c.getValue()), Clock.systemUTC()).position());
        assertEquals(0, kb.backend().events().reader().prunedThrough());
      }
    }
  }
}
