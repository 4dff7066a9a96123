package io.kubebackend.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a whole topic from the beginning on a background thread, like a downstream consumer would
 * ({@code isolation.level=read_committed}: only records of committed transactions), keeping every record.
 * Records of one partition are kept in offset order.
 */
final class TopicConsumer implements AutoCloseable {
  static final int PARTITIONS = 3;

  /** One record: {@code event} null for a tombstone. */
  record Received(int partition, long offset, String key, long seq, ChangeEvent event, byte[] value) {}

  private final String topic;
  private final List<Received> records = new CopyOnWriteArrayList<>();
  /** partition -> the offset this consumer reads next (past control records too). */
  private final Map<Integer, Long> positions = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;

  private TopicConsumer(String topic) {
    this.topic = topic;
    this.thread = Thread.ofPlatform().name("test-consumer-" + topic).start(this::run);
  }

  /** Creates a fresh topic with {@link #PARTITIONS} partitions and starts reading it. */
  static TopicConsumer onNewTopic(String topic) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrap());
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
    }
    return new TopicConsumer(topic);
  }

  private void run() {
    Map<String, Object> cfg = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServers.kafkaBootstrap(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(cfg, new StringDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (int i = 0; i < PARTITIONS; i++) {
        parts.add(new TopicPartition(topic, i));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      while (running) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          long seq = Long.parseLong(new String(r.headers().lastHeader(KafkaPublisher.SEQ_HEADER).value(),
              StandardCharsets.UTF_8));
          ChangeEvent e = r.value() == null ? null
              : ChangeEvent.parse(new String(r.value(), StandardCharsets.UTF_8));
          records.add(new Received(r.partition(), r.offset(), r.key(), seq, e, r.value()));
        }
        for (TopicPartition tp : parts) {
          positions.put(tp.partition(), consumer.position(tp));
        }
      }
    } catch (RuntimeException e) {
      if (running) {
        System.err.println("test consumer of " + topic + " failed: " + e);
      }
    }
  }

  /**
   * Waits until this consumer has read every partition up to where a {@code read_committed} consumer can read
   * now (the last stable offset): then {@link #records()} holds every record committed so far.
   */
  void awaitReadToCommittedEnd(long timeoutMs) throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int i = 0; i < PARTITIONS; i++) {
      latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
    }
    Map<Integer, Long> ends = new HashMap<>();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        TestServers.kafkaBootstrap()))) {
      admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
          .forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
    }
    EventsTestBed.await("the consumer of " + topic + " at the committed end " + ends, timeoutMs,
        () -> ends.entrySet().stream().allMatch(x -> positions.getOrDefault(x.getKey(), 0L) >= x.getValue()));
  }

  List<Received> records() {
    return List.copyOf(records);
  }

  /**
   * Every event per object key, duplicates dropped (the first record of each seq is kept), tombstones left out.
   * Asserts what consumers rely on: a duplicate is the same seq with the same bytes, and every object's events
   * come in increasing seq order.
   */
  Map<String, List<ChangeEvent>> eventsByKey(Predicate<ChangeEvent> which) {
    Map<Long, byte[]> firstValue = new HashMap<>();
    Map<String, List<ChangeEvent>> out = new LinkedHashMap<>();
    Map<String, Long> lastSeq = new HashMap<>();
    for (Received r : records) {
      if (r.event() == null) {
        continue;
      }
      byte[] seen = firstValue.putIfAbsent(r.seq(), r.value());
      if (seen != null) {
        assertArrayEquals(seen, r.value(), "a duplicate of seq " + r.seq() + " is the same event");
        continue;
      }
      if (!which.test(r.event())) {
        continue;
      }
      Long before = lastSeq.put(r.key(), r.seq());
      assertTrue(before == null || before < r.seq(), "events of " + r.key() + " in seq order");
      out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.event());
    }
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(10_000);
  }
}
