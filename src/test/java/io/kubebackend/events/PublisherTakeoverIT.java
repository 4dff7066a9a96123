package io.kubebackend.events;

import static io.kubebackend.events.EventsTestBed.await;
import static io.kubebackend.events.SyntheticChanges.delete;
import static io.kubebackend.events.SyntheticChanges.upsert;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kubebackend.store.Change;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.SqlMirrorStore;
import io.kubebackend.testing.KafkaProxy;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/**
 * The interleaving that reordered an object's events after an outage, forced: a publisher's produce requests are
 * on the wire but late (held by a proxy in front of the real broker), a new publisher of the same outbox and topic
 * takes over and publishes everything, and only then do the old requests reach the broker. A
 * {@code read_committed} consumer must see each object's changes exactly as they were made, once each: the late
 * requests must not land as committed data after the successor's, newer events.
 */
class PublisherTakeoverIT {
  private static final String CLUSTER = "c1";
  private static final String NS = "takeover";
  private static final int OBJECTS = 6;
  private static final int VERSIONS = 4;

  @Test
  void lateRequestsOfAReplacedPublisherNeverLandAfterItsSuccessorsEvents() throws Exception {
    String topic = EventsTestBed.unique("kb-it-takeover");
    try (Database db = TestDatabases.fresh(Dialect.SQLITE);
         TopicConsumer consumer = TopicConsumer.onNewTopic(topic);
         KafkaProxy proxy = KafkaProxy.start()) {
      Map<String, List<String>> written = writeChanges(new SqlMirrorStore(db, Clock.systemUTC()));
      OutboxReader reader = new OutboxReader(db);
      long head = reader.head();

      proxy.hold(KafkaProxy.Held.PRODUCE, "zombie");
      try (KafkaPublisher zombie = publisher(db, reader, topic, proxy.bootstrap(), "zombie")) {
        await("the first publisher's produce requests held on the wire", 60_000, () -> proxy.heldRequests() > 0);
        try (KafkaPublisher successor = publisher(db, reader, topic, TestServers.kafkaBootstrap(), "successor")) {
          await("the successor published every event", 60_000, () -> successor.acked() == head
              && consumer.eventsByKey(e -> true).values().stream().mapToInt(List::size).sum() == written.values()
                  .stream().mapToInt(List::size).sum());

          proxy.release();
          await("the broker answered the late requests", 60_000, proxy::everyRequestAnswered);
          consumer.awaitReadToCommittedEnd(60_000);
          assertEquals(written, committedChanges(consumer),
              "per object, the committed records are its changes in order, once each");
          assertEquals(1, tombstones(consumer, key("o-0")), "one tombstone after the delete of o-0");

          await("the first publisher stopped, fenced by its successor", 60_000, zombie::fenced);
        }
      }
    }
  }

  /** Creates and updates each object, then deletes o-0; returns per record key the changes as "op rv". */
  private static Map<String, List<String>> writeChanges(SqlMirrorStore store) {
    Map<String, List<String>> written = new LinkedHashMap<>();
    List<Change> changes = new ArrayList<>();
    for (int v = 1; v <= VERSIONS; v++) {
      for (int i = 0; i < OBJECTS; i++) {
        String name = "o-" + i;
        Change.Op op = v == 1 ? Change.Op.CREATE : Change.Op.UPDATE;
        String rv = Integer.toString(v * 100 + i);
        changes.add(upsert(CLUSTER, NS, name, rv, op));
        written.computeIfAbsent(key(name), k -> new ArrayList<>()).add(op.code + " " + rv);
      }
    }
    changes.add(delete(CLUSTER, NS, "o-0", "999"));
    written.get(key("o-0")).add("d 999");
    store.apply(changes);
    return written;
  }

  private static String key(String name) {
    return CLUSTER + "//configmaps/" + NS + "/" + name;
  }

  /** Per record key, every committed event record (tombstones left out, duplicates kept) as "op rv". */
  private static Map<String, List<String>> committedChanges(TopicConsumer consumer) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (int i = 0; i < OBJECTS; i++) {
      out.put(key("o-" + i), new ArrayList<>());
    }
    for (TopicConsumer.Received r : consumer.records()) {
      if (r.event() != null) {
        out.computeIfAbsent(r.key(), k -> new ArrayList<>())
            .add(r.event().op().code + " " + r.event().resourceVersion());
      }
    }
    return out;
  }

  private static long tombstones(TopicConsumer consumer, String key) {
    return consumer.records().stream().filter(r -> r.event() == null && r.key().equals(key)).count();
  }

  /** A publisher of the outbox to {@code topic} through {@code bootstrap}, its producer named {@code clientId}. */
  private static KafkaPublisher publisher(Database db, OutboxReader reader, String topic, String bootstrap,
                                          String clientId) {
    SqlPublishProgress progress = new SqlPublishProgress(db, "kafka:" + topic, Clock.systemUTC());
    Map<String, Object> config = KafkaPublisher.publisherConfig(bootstrap, topic,
        Map.of(ProducerConfig.CLIENT_ID_CONFIG, clientId));
    return new KafkaPublisher(reader, progress, KafkaPublisher.producers(config), topic, new OutboxSignal(),
        Clock.systemUTC(), new SimpleMeterRegistry()).start();
  }
}
