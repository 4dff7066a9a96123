package io.kubebackend.events;

import java.time.Duration;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publisher's transactional producer across failures: made and initialized when first needed, and after a
 * failure either aborting its transaction or, when it cannot, discarded and replaced by a new one. Used by the
 * publisher thread only.
 *
 * <p>Discarding without waiting is safe with requests of the old producer still on the wire: the new producer's
 * {@code initTransactions} bumps the epoch of the (same, stable) {@code transactional.id}, which aborts the old
 * transaction, and brokers refuse the old requests for their stale epoch.
 */
final class TransactionalProducer {
  private static final Logger log = LoggerFactory.getLogger(TransactionalProducer.class);

  private final Supplier<Producer<String, byte[]>> factory;
  private final String topic;
  private Producer<String, byte[]> producer;
  private boolean initialized;

  TransactionalProducer(Supplier<Producer<String, byte[]>> factory, String topic) {
    this.factory = factory;
    this.topic = topic;
  }

  /** The producer, ready to begin a transaction: made and initialized first if needed. */
  Producer<String, byte[]> ready() {
    if (producer == null) {
      producer = factory.get();
      initialized = false;
    }
    if (!initialized) {
      // Fences every earlier producer of this transactional.id (a predecessor process, or one discarded here)
      // and aborts its open transaction. Safe to call again after a timeout.
      producer.initTransactions();
      initialized = true;
    }
    return producer;
  }

  /**
   * Abandons the open transaction: aborts it, so nothing of it becomes visible, or discards the producer if it
   * cannot abort (a fatal error, or Kafka unreachable for {@code max.block.ms}). Only a fencing is thrown.
   */
  void abandonTransaction() {
    if (producer == null) {
      return;
    }
    try {
      producer.abortTransaction();
    } catch (RuntimeException e) {
      if (isFenced(e)) {
        throw e;
      }
      discard(e);
    }
  }

  /**
   * After a failure with no transaction open: a fatal producer error (e.g. {@code initTransactions} refused)
   * discards the producer; a retriable one (a timeout there) keeps it, to be retried.
   */
  void failedOutsideTransaction(Exception failure) {
    if (producer != null && failure instanceof KafkaException && !(failure instanceof RetriableException)) {
      discard(failure);
    }
  }

  private void discard(Exception why) {
    log.info("discarding the Kafka producer of {} ({}); the next one fences it", topic, why.getMessage());
    producer.close(Duration.ZERO);
    producer = null;
  }

  /** A fencing is fatal to a producer, so later calls report it wrapped; the cause chain tells. */
  static boolean isFenced(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ProducerFencedException) {
        return true;
      }
    }
    return false;
  }

  /** Closes the producer, waiting up to {@code timeout}; a graceful close aborts a transaction still open. */
  void close(Duration timeout) {
    if (producer != null) {
      producer.close(timeout);
      producer = null;
    }
  }
}
