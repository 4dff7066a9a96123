package io.kubebackend.events;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The events of the Kafka transaction {@link KafkaPublisher} has open, in seq order, with the acknowledgements of
 * their records.
 *
 * <p>Life cycle: <em>filling</em> while the outbox has a backlog (each read came back full) and the transaction is
 * under its bounds; then <em>sealed</em> (nothing joins it any more), committed once every record is acknowledged.
 * Sealing as soon as a read finds the outbox drained keeps a lone change's latency at one commit, while a backlog
 * still travels in a few large transactions.
 */
final class PublishTransaction {
  /** One sent event: its record (and tombstone) acknowledgements. */
  record Sent(long seq, List<Future<RecordMetadata>> acks, long bytes, long sentNanos) {}

  private final int maxEvents;
  private final long maxBytes;
  private final List<Sent> sent = new ArrayList<>();
  private long bytes;
  /** Index of the first event whose acknowledgements are not all in; everything before it is acknowledged. */
  private int firstUnacknowledged;
  private boolean sealed;
  /** A commit was started: if it timed out only another commit may follow (the producer forbids an abort). */
  private boolean committing;

  PublishTransaction(int maxEvents, long maxBytes) {
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
  }

  void add(Sent event) {
    if (sealed) {
      throw new IllegalStateException("the transaction is sealed");
    }
    sent.add(event);
    bytes += event.bytes();
  }

  boolean hasRoom() {
    return sent.size() < maxEvents && bytes < maxBytes;
  }

  void seal() {
    sealed = true;
  }

  boolean sealed() {
    return sealed;
  }

  void committing() {
    committing = true;
  }

  boolean isCommitting() {
    return committing;
  }

  List<Sent> events() {
    return sent;
  }

  /**
   * Waits up to {@code timeoutMs} for the acknowledgements still missing; true once all are in. Throws for the
   * first record Kafka refused.
   */
  boolean awaitAcknowledged(long timeoutMs) throws ExecutionException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    for (; firstUnacknowledged < sent.size(); firstUnacknowledged++) {
      for (Future<RecordMetadata> ack : sent.get(firstUnacknowledged).acks()) {
        try {
          ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          return false;
        }
      }
    }
    return true;
  }
}
