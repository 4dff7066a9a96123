package io.kubebackend.events;

import static io.kubebackend.events.EventsTestBed.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.BackendProcess;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * kube-backend runs as its own process under load and is killed with SIGKILL, so events are committed to the
 * outbox but not yet (recorded as) published. After a restart every committed event reaches Kafka and RabbitMQ
 * (both sinks are configured); duplicates are only the same seq with the same content.
 */
class ProcessCrashIT {
  private static final int OBJECTS = 20;

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void everyCommittedEventIsPublishedAfterAKillAndRestart(Dialect dialect) throws Exception {
    String ns = EventsTestBed.unique("crash");
    String topic = EventsTestBed.unique("kb-it-crash");
    String dbUrl = TestDatabases.freshUrl(dialect);
    String exchange = EventsTestBed.unique("kb-it-crash");
    Path config = writeConfig(dbUrl, topic, exchange);
    AtomicBoolean loading = new AtomicBoolean(true);
    AtomicInteger updates = new AtomicInteger();
    // Migrated here, before any backend process starts, and read directly by the test throughout.
    try (Database db = Database.open(dbUrl, null, null);
         KubernetesClient kube = EventsTestBed.kube();
         TopicConsumer consumer = TopicConsumer.onNewTopic(topic);
         RabbitConsumer rabbitConsumer = RabbitConsumer.on(exchange)) {
      OutboxReader outbox = new OutboxReader(db);
      SqlPublishProgress progress = new SqlPublishProgress(db, "kafka:" + topic, Clock.systemUTC());
      SqlPublishProgress rabbitProgress = new SqlPublishProgress(db, "rabbitmq:" + exchange + "@/",
          Clock.systemUTC());
      EventsTestBed.createNamespace(kube, ns);
      Thread load = null;
      try {
        for (int i = 0; i < OBJECTS; i++) {
          EventsTestBed.createConfigMap(kube, ns, "cm-" + i);
        }
        load = Thread.ofPlatform().name("load").start(() -> {
          for (int i = 0; loading.get(); i++) {
            try {
              EventsTestBed.updateConfigMap(kube, ns, "cm-" + (i % OBJECTS), "v" + i);
              updates.incrementAndGet();
            } catch (RuntimeException e) {
              System.err.println("load: " + e.getMessage());
            }
          }
        });
        // The publisher stores its position every 200 ms, so under load a SIGKILL nearly always lands after
        // commits it has not recorded. "Nearly": if a kill happens to land right after a mark, kill again.
        long committedHead = 0;
        long storedPosition = 0;
        for (int attempt = 1; attempt <= 3 && storedPosition >= committedHead; attempt++) {
          Process backend = startBackend(config, "run-" + attempt);
          try {
            long startHead = outbox.head();
            long startPosition = progress.position();
            await("changes flowing through the outbox to Kafka", 90_000, () -> outbox.head() > startHead + 100
                && progress.position() > startPosition && consumer.records().stream().anyMatch(r ->
                r.event() != null && r.event().op().code.equals("u") && r.event().namespace().equals(ns)));
            await("committed events not yet recorded as published", 30_000,
                () -> outbox.head() > progress.position());
          } finally {
            backend.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no final position mark
          }
          committedHead = outbox.head();
          storedPosition = progress.position();
          System.out.println("after kill " + attempt + " (" + updates.get() + " updates so far): outbox head "
              + committedHead + ", stored publisher position " + storedPosition + ", Kafka records so far "
              + consumer.records().size());
        }
        loading.set(false);
        load.join(30_000);
        assertTrue(storedPosition < committedHead, "a kill left committed events not recorded as published");
        // While kube-backend is down after the SIGKILL: objects deleted and changed, which it must catch up with.
        for (int i = 0; i < 5; i++) {
          kube.configMaps().inNamespace(ns).withName("cm-" + i).delete();
        }
        EventsTestBed.updateConfigMap(kube, ns, "cm-5", "while-down");

        Process second = startBackend(config, "after-kills");
        try {
          await("the database equal to the cluster after the kill", 90_000,
              () -> storedVersions(db, ns).equals(liveVersions(kube, ns)));
          long head = committedHead;
          await("the restarted publisher past the old head", 90_000, () -> progress.position() >= head);
          await("the consumer caught up", 30_000, () -> consumer.records().stream().anyMatch(r -> r.seq() >= head));
          assertEveryCommittedEventPublished(db, consumer, head);
          await("the restarted RabbitMQ publisher past the old head", 90_000, () -> rabbitProgress.position() >= head);
          await("the RabbitMQ consumer caught up", 30_000,
              () -> rabbitConsumer.received().stream().anyMatch(r -> r.seq() >= head));
          assertEveryCommittedEventReachedRabbitMq(db, rabbitConsumer, head);
        } finally {
          second.destroy();
          second.waitFor();
        }
      } finally {
        loading.set(false);
        if (load != null) {
          load.join(30_000);
        }
        EventsTestBed.deleteNamespace(kube, ns);
      }
    }
  }

  /** {@code name -> resourceVersion} of the ConfigMaps of a namespace as the apiserver lists them. */
  private static Map<String, String> liveVersions(KubernetesClient kube, String ns) {
    Map<String, String> out = new HashMap<>();
    kube.configMaps().inNamespace(ns).list().getItems()
        .forEach(c -> out.put(c.getMetadata().getName(), c.getMetadata().getResourceVersion()));
    return out;
  }

  /** The same as stored in the mirror's database. */
  private static Map<String, String> storedVersions(Database db, String ns) {
    Map<String, String> out = new HashMap<>();
    try (var c = db.connection(); var ps = c.prepareStatement("SELECT name, resource_version FROM objects"
        + " WHERE api_group = '' AND resource = 'configmaps' AND namespace = ?")) {
      ps.setString(1, ns);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getString(2));
        }
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static void assertEveryCommittedEventPublished(Database db, TopicConsumer consumer, long head) {
    // eventsByKey also asserts that duplicates are the same seq with the same bytes, and per-key seq order.
    Map<Long, ChangeEvent> published = new HashMap<>();
    consumer.eventsByKey(e -> true).values().forEach(l -> l.forEach(e -> published.put(e.seq(), e)));
    long duplicates = consumer.records().stream().filter(r -> r.event() != null).count() - published.size();
    OutboxReader reader = new OutboxReader(db);
    long after = 0;
    int checked = 0;
    while (after < head) {
      OutboxReader.Batch batch = reader.readAfter(after, 1_000, OutboxReader.Filter.ALL);
      for (ChangeEvent committed : batch.events()) {
        if (committed.seq() > head) {
          break;
        }
        ChangeEvent got = published.get(committed.seq());
        assertTrue(got != null, "committed event seq " + committed.seq() + " was published");
        assertEquals(ChangeEvent.parse(committed.toJson()), got);
        checked++;
      }
      after = batch.nextAfter();
    }
    System.out.println("all " + checked + " committed events were published; " + duplicates
        + " duplicate records (same seq, same content)");
    assertTrue(checked > OBJECTS);
  }

  private static void assertEveryCommittedEventReachedRabbitMq(Database db, RabbitConsumer consumer, long head) {
    Map<Long, ChangeEvent> received = new HashMap<>();
    consumer.eventsByObject(e -> true); // asserts that duplicates are the same bytes
    consumer.received().forEach(r -> received.putIfAbsent(r.seq(), r.event()));
    OutboxReader reader = new OutboxReader(db);
    long after = 0;
    int checked = 0;
    while (after < head) {
      OutboxReader.Batch batch = reader.readAfter(after, 1_000, OutboxReader.Filter.ALL);
      for (ChangeEvent committed : batch.events()) {
        if (committed.seq() > head) {
          break;
        }
        ChangeEvent got = received.get(committed.seq());
        assertTrue(got != null, "committed event seq " + committed.seq() + " reached RabbitMQ");
        assertEquals(ChangeEvent.parse(committed.toJson()), got);
        checked++;
      }
      after = batch.nextAfter();
    }
    System.out.println("all " + checked + " committed events reached RabbitMQ; " + (consumer.received().size()
        - received.size()) + " duplicate messages (same seq, same content)");
    assertTrue(checked > OBJECTS);
  }

  private static Path writeConfig(String dbUrl, String topic, String exchange) throws Exception {
    Path file = Files.createTempFile("kb-crash", ".yaml");
    Files.writeString(file, String.join("\n",
        "http: {host: 127.0.0.1, port: 0}",
        "database: {url: '" + dbUrl + "'}",
        "clusters:",
        "  - id: " + EventsTestBed.CLUSTER_ID,
        "    kubeconfig: '" + TestServers.kubeconfig(1) + "'",
        "    include: [configmaps]",
        "kafka: {bootstrap: '" + TestServers.kafkaBootstrap() + "', topic: '" + topic + "'}",
        "rabbitmq: {host: 127.0.0.1, port: " + TestServers.rabbitMq().amqpPort() + ", exchange: '" + exchange
            + "', kindQueues: false}",
        "security: {credentialKeyFile: '" + file.resolveSibling(file.getFileName() + ".key") + "'}",
        "auth: {adminPassword: '" + RunningBackend.ADMIN_PASSWORD + "', bcryptCost: 4}",
        ""), StandardCharsets.UTF_8);
    return file;
  }

  /** Runs {@code Main serve} in a new JVM on the test class path; its output goes to target/. */
  private static Process startBackend(Path config, String label) throws Exception {
    return BackendProcess.start(config, "process-crash-" + label).process();
  }

}
