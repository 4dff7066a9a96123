package io.kubebackend.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads every partition of a topic from its end on a thread, handing each non-tombstone value to a subclass. Reads
 * {@code read_committed}, as every consumer of the publisher's transactions should: it sees an event once its
 * transaction is committed, which is part of the latency measured.
 */
abstract class TopicReader implements AutoCloseable {
  private final Thread thread;
  private volatile boolean running = true;

  TopicReader(String bootstrap, String topic) {
    Map<String, Object> cfg = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(cfg, new StringDeserializer(),
        new ByteArrayDeserializer());
    List<TopicPartition> parts = new ArrayList<>();
    for (PartitionInfo p : consumer.partitionsFor(topic)) {
      parts.add(new TopicPartition(topic, p.partition()));
    }
    consumer.assign(parts);
    consumer.seekToEnd(parts);
    parts.forEach(consumer::position); // resolve "end" now, before any benchmark write
    this.thread = Thread.ofPlatform().name("bench-consumer").start(() -> run(consumer));
  }

  private void run(KafkaConsumer<String, byte[]> consumer) {
    try (consumer) {
      while (running) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          long now = EventsBenchmark.nowMicros();
          if (r.value() != null) {
            try {
              onEvent(r.value(), now);
            } catch (Exception e) {
              System.err.println("bench consumer: " + e.getMessage());
            }
          }
        }
      }
    }
  }

  protected abstract void onEvent(byte[] value, long receivedMicros) throws Exception;

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(10_000);
  }
}
