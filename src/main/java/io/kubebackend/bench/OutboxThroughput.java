package io.kubebackend.bench;

import io.kubebackend.cluster.ResourceType;
import io.kubebackend.events.KafkaPublisher;
import io.kubebackend.events.OutboxReader;
import io.kubebackend.events.OutboxSignal;
import io.kubebackend.events.SqlPublishProgress;
import io.kubebackend.store.Change;
import io.kubebackend.store.Database;
import io.kubebackend.store.SqlMirrorStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Outbox -> Kafka throughput: fills the outbox with synthetic ~2 KB events while no publisher runs, then times a
 * publisher draining them to a fresh topic.
 */
final class OutboxThroughput {
  private static final ResourceType CONFIGMAPS = new ResourceType("", "v1", "configmaps", "ConfigMap", true);
  private static final int WRITE_BATCH = 1_000;

  private OutboxThroughput() {}

  static void run(String url, String bootstrap, String topic, int events, MeterRegistry metrics, Clock clock)
      throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
    }
    try (Database db = Database.open(url, null, null)) {
      SqlMirrorStore store = new SqlMirrorStore(db, clock);
      OutboxReader reader = new OutboxReader(db);
      long before = reader.head();
      String filler = "x".repeat(1_700);
      long t0 = System.nanoTime();
      long bytes = 0;
      for (int from = 0; from < events; from += WRITE_BATCH) {
        List<Change> batch = new ArrayList<>(WRITE_BATCH);
        for (int i = from; i < Math.min(events, from + WRITE_BATCH); i++) {
          String name = "obj-" + i;
          String json = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name
              + "\",\"namespace\":\"synthetic\",\"uid\":\"u-" + i + "\",\"resourceVersion\":\"" + i
              + "\"},\"data\":{\"filler\":\"" + filler + "\"}}";
          bytes += json.length();
          batch.add(new Change.Upsert("bench-synthetic", CONFIGMAPS, "synthetic", name, "u-" + i,
              Integer.toString(i), "{}", List.of(), null, json, Change.Op.CREATE));
        }
        store.apply(batch);
      }
      double writeSecs = (System.nanoTime() - t0) / 1e9;
      long head = reader.head();
      System.out.printf("outbox write: %d events (~%d B objects) in %.2f s = %.0f rows/s (objects + outbox rows)%n",
          events, bytes / events, writeSecs, events / writeSecs);

      SqlPublishProgress progress = new SqlPublishProgress(db, "kafka:" + topic, clock);
      progress.markPublished(before);
      KafkaPublisher publisher = new KafkaPublisher(reader, progress,
          KafkaPublisher.producers(KafkaPublisher.publisherConfig(bootstrap, topic, Map.of())), topic,
          new OutboxSignal(), clock, metrics);
      long t1 = System.nanoTime();
      publisher.start();
      try {
        while (publisher.acked() < head) {
          Thread.sleep(5);
        }
      } finally {
        publisher.close();
      }
      double pubSecs = (System.nanoTime() - t1) / 1e9;
      System.out.printf("outbox -> Kafka: %d events in %.2f s = %.0f events/s (%.1f MB/s of event JSON)%n",
          head - before, pubSecs, (head - before) / pubSecs, bytes / pubSecs / 1e6);
    }
  }
}
