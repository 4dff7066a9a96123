package io.kubebackend.events;

import io.kubebackend.retry.Backoff;
import io.kubebackend.store.Change;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the outbox to one Kafka topic, in seq order, on one thread, in Kafka transactions.
 *
 * <p>Record key {@code cluster/group/resource/namespace/name}, so all changes of one object land in one partition
 * in order; value the event JSON; header {@value #SEQ_HEADER} the outbox seq (decimal), for consumers to drop
 * duplicates. Each {@code d} is followed by a tombstone (same key, null value, same {@value #SEQ_HEADER}) so a
 * compacted topic forgets the object.
 *
 * <p>Delivery: events are read after the last one sent, in bounded batches, and sent at once into the open
 * transaction ({@link PublishTransaction}); while reads come back full the transaction takes the next batch too,
 * up to {@link #MAX_TRANSACTION_EVENTS} / {@link #MAX_TRANSACTION_BYTES}, so reading overlaps sending. It is
 * committed once Kafka has acknowledged all its records, and only then does the position move. Records never
 * expire in the producer: while Kafka is down the producer retries them, the publisher waits, and the mirror keeps
 * appending to the outbox.
 *
 * <p>Why transactions: after a failure the transaction is aborted (or, if the producer cannot abort, the producer
 * is discarded and the next one's {@code initTransactions} fences it: same {@code transactional.id}, higher
 * epoch; see {@link TransactionalProducer}), and everything after the committed position is sent again. Requests
 * of the failed attempt that are still on the wire either land in the aborted transaction or are refused by the
 * broker for their stale epoch, so a {@code read_committed} consumer can never see them after the resent, newer
 * events: per object, order holds by construction. A {@code ProducerFencedException} means another publisher with
 * the same id started; this one stops and leaves the topic to it.
 *
 * <p>The position is stored through {@link PublishProgress} at most every {@link #MARK_INTERVAL_MS} and on stop,
 * off the send path, so a crash republishes at most that much, with the same seqs (at-least-once).
 */
public final class KafkaPublisher implements OutboxSink {
  private static final Logger log = LoggerFactory.getLogger(KafkaPublisher.class);
  public static final String SEQ_HEADER = "kb-seq";
  /** Events per read. */
  static final int BATCH = 1_000;
  /** Object JSON per read at most, whatever the object sizes. */
  static final long MAX_BATCH_BYTES = 4L << 20;
  /**
   * Events in one transaction at most (count and bytes): they are unacknowledged at once, so this bounds memory,
   * the producer's buffer (32 MB by default) and what is resent after a failure, and it caps how long the first
   * event of a backlog waits for its commit.
   */
  static final int MAX_TRANSACTION_EVENTS = 5_000;
  static final long MAX_TRANSACTION_BYTES = 16L << 20;
  /** Fallback poll when no commit signal arrives (commits are normally signalled at once). */
  static final long IDLE_POLL_MS = 100;
  /**
   * How often the acknowledged position is stored. Storing it after every batch would add a database commit to
   * each round trip at high rates; 200 ms bounds what a crash republishes to well under a second of events.
   */
  static final long MARK_INTERVAL_MS = 200;
  /** How long a stop waits for Kafka to commit the transaction in flight. */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final OutboxReader reader;
  private final PublishProgress progress;
  private final TransactionalProducer producer;
  private final String topic;
  private final OutboxSignal signal;
  private final Clock clock;
  private final Counter published;
  private final Timer commitTimer;
  private volatile boolean running = true;
  /** Set by {@link #close}: until then the transaction in flight may still commit (fewer resends next start). */
  private volatile long stopDeadlineNanos;
  private volatile long acked = -1;
  private volatile boolean fenced;
  /** The last position stored through {@link #progress}. */
  private final AtomicLong stored = new AtomicLong();
  private final ExecutorService marker = Executors.newSingleThreadExecutor(
      r -> Thread.ofPlatform().name("kafka-publisher-mark").daemon().unstarted(r));
  private Future<?> pendingMark = CompletableFuture.completedFuture(null);
  private Thread thread;

  // State of the publisher thread only.
  private PublishTransaction transaction;
  /** Every event up to this seq was sent (in the open transaction) or committed. */
  private long sentThrough;
  /** The last read came back full: read again at once. */
  private boolean more = true;
  private boolean warnedGap;

  /**
   * @param producers makes a transactional producer ({@link #publisherConfig}); called again when a producer had
   *                  to be discarded. The publisher calls {@code initTransactions}.
   */
  public KafkaPublisher(OutboxReader reader, PublishProgress progress, Supplier<Producer<String, byte[]>> producers,
                        String topic, OutboxSignal signal, Clock clock, MeterRegistry metrics) {
    this.reader = reader;
    this.progress = progress;
    this.producer = new TransactionalProducer(producers, topic);
    this.topic = topic;
    this.signal = signal;
    this.clock = clock;
    this.published = Counter.builder("kb.events.published").description("events acknowledged by the sink")
        .tag("sink", "kafka").tag("topic", topic).register(metrics);
    this.commitTimer = Timer.builder("kb.events.publish.ack")
        .description("send -> Kafka transaction committed (visible to read_committed consumers), per event")
        .tag("topic", topic).publishPercentiles(0.5, 0.99).register(metrics);
  }

  /**
   * Producer tuning for {@code bootstrap}, without a {@code transactional.id}; {@code overrides} (e.g. security
   * settings from the configuration) are applied last.
   */
  public static Map<String, Object> producerConfig(String bootstrap, Map<String, String> overrides) {
    Map<String, Object> cfg = new HashMap<>();
    cfg.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cfg.put(ProducerConfig.CLIENT_ID_CONFIG, "kube-backend-publisher");
    cfg.put(ProducerConfig.ACKS_CONFIG, "all");
    cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    cfg.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    // Never give up on a record: while Kafka is down the producer retries in order and the outbox holds the rest.
    // (Should Kafka abort the transaction meanwhile, its timeout having passed, the publisher resends it.)
    cfg.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
    cfg.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
    // linger 0: a lone change goes out at once (latency); under load batches still form behind the requests
    // in flight. lz4 roughly doubles throughput of JSON on a 2-core machine.
    cfg.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    cfg.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
    cfg.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // A blocking call (metadata, initTransactions, commit) gives up after this long and is retried.
    cfg.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    cfg.putAll(overrides);
    return cfg;
  }

  /**
   * The publisher's producer settings: {@link #producerConfig} with the {@code transactional.id}
   * {@link #transactionalId(String)} unless {@code overrides} set one.
   */
  public static Map<String, Object> publisherConfig(String bootstrap, String topic, Map<String, String> overrides) {
    Map<String, Object> cfg = new HashMap<>();
    cfg.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(topic));
    cfg.putAll(producerConfig(bootstrap, overrides));
    return cfg;
  }

  /**
   * The default {@code transactional.id}: stable across restarts (that is what fences a predecessor), and the
   * same identity as the publisher's position row {@code kafka:<topic>}.
   */
  public static String transactionalId(String topic) {
    return "kube-backend:kafka:" + topic;
  }

  /** A producer factory for {@link #KafkaPublisher}. */
  public static Supplier<Producer<String, byte[]>> producers(Map<String, Object> config) {
    Map<String, Object> frozen = Map.copyOf(config);
    return () -> new KafkaProducer<>(frozen, new StringSerializer(), new ByteArraySerializer());
  }

  public KafkaPublisher start() {
    thread = Thread.ofPlatform().name("kafka-publisher").start(this::run);
    return this;
  }

  public String topic() {
    return topic;
  }

  @Override
  public String kind() {
    return "kafka";
  }

  @Override
  public String destination() {
    return topic;
  }

  @Override
  public PublishProgress progress() {
    return progress;
  }

  /** Every event up to this seq is committed to Kafka (-1 until the stored position was read). */
  @Override
  public long acked() {
    return acked;
  }

  @Override
  public String lastError() {
    return fenced ? "fenced: another publisher with the same transactional.id took over" : null;
  }

  /** True once another publisher with the same {@code transactional.id} took over; this one has stopped. */
  public boolean fenced() {
    return fenced;
  }

  /**
   * The loop: fill the transaction while the outbox has a backlog, then wait for its acknowledgements and commit
   * it; with nothing to send, wait for a mirror commit. Any failure but a commit timeout abandons the transaction
   * and resends from the committed position after a backoff.
   */
  private void run() {
    Backoff backoff = new Backoff();
    try {
      acked = storedPosition(backoff);
      sentThrough = acked;
      stored.set(acked);
      long markedAtMs = clock.millis();
      long readGeneration = -1;
      long lastReadNanos = 0;
      while (running || (transaction != null && System.nanoTime() - stopDeadlineNanos < 0)) {
        try {
          if (acked > stored.get() && clock.millis() - markedAtMs >= MARK_INTERVAL_MS && pendingMark.isDone()) {
            pendingMark = markInBackground(acked);
            markedAtMs = clock.millis();
          }
          if (!running && transaction != null) {
            transaction.seal(); // stopping: commit what is in flight, read nothing more
          }
          if (transaction == null || !transaction.sealed()) {
            long generation = signal.generation();
            boolean due = more || generation != readGeneration
                || System.nanoTime() - lastReadNanos > TimeUnit.MILLISECONDS.toNanos(IDLE_POLL_MS);
            if (!due) {
              signal.awaitAfter(generation, IDLE_POLL_MS);
              continue;
            }
            readGeneration = generation;
            lastReadNanos = System.nanoTime();
            readAndSend();
            backoff.reset();
            continue;
          }
          // Acknowledgements normally come within a millisecond or two; while Kafka is slow or down this returns
          // now and then so that a stop is noticed.
          if (transaction.awaitAcknowledged(IDLE_POLL_MS)) {
            commit();
            backoff.reset();
          }
        } catch (InterruptException e) {
          Thread.interrupted(); // close() interrupts only after giving the loop time to stop by itself
          break;
        } catch (TimeoutException e) {
          if (transaction != null && transaction.isCommitting()) {
            // Kafka did not answer the commit within max.block.ms: it may still complete, so only another commit
            // may follow. The loop calls it again (or, stopping, leaves it to close()).
            log.info("committing to {} after seq {} waits for Kafka: {}", topic, acked, e.getMessage());
            continue;
          }
          if (!recover(e)) {
            break;
          }
          Thread.sleep(backoff.next());
        } catch (RuntimeException | ExecutionException e) {
          if (!recover(e)) {
            break;
          }
          Thread.sleep(backoff.next());
        }
      }
    } catch (InterruptedException e) {
      // close() interrupts only after giving the loop time to stop by itself.
    } finally {
      producer.close(CLOSE_TIMEOUT);
      marker.shutdown();
      try {
        marker.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      long last = acked;
      if (last > 0) {
        try {
          progress.markPublished(last);
        } catch (RuntimeException e) {
          log.warn("could not store publisher position {} for {}: {}", last, topic, e.getMessage());
        }
      }
    }
  }

  /**
   * One read after {@link #sentThrough}; its events go into the open transaction (begun here if there is none).
   * The transaction is sealed when the read found the outbox drained or the transaction is full.
   */
  private void readAndSend() {
    OutboxReader.Batch batch = reader.readAfter(sentThrough, BATCH, MAX_BATCH_BYTES, OutboxReader.Filter.ALL);
    if (batch.gapAfter(sentThrough) && !warnedGap) {
      // Only when the outbox was pruned without this publisher (e.g. the topic changed): not recoverable.
      log.warn("events {}..{} were pruned before they were published to {}", sentThrough + 1,
          batch.prunedThrough(), topic);
      warnedGap = true;
    }
    if (!batch.events().isEmpty()) {
      Producer<String, byte[]> p = producer.ready();
      if (transaction == null) {
        p.beginTransaction();
        transaction = new PublishTransaction(MAX_TRANSACTION_EVENTS, MAX_TRANSACTION_BYTES);
      }
      for (ChangeEvent e : batch.events()) {
        transaction.add(send(p, e));
      }
    }
    sentThrough = batch.nextAfter();
    more = batch.full();
    if (transaction == null) {
      acked = sentThrough; // nothing in flight: also covers seqs a read skipped (none exist there)
    } else if (!more || !transaction.hasRoom()) {
      transaction.seal();
    }
  }

  /** Commits the sealed, fully acknowledged transaction; then the position moves over it. */
  private void commit() {
    transaction.committing();
    producer.ready().commitTransaction();
    long now = System.nanoTime();
    for (PublishTransaction.Sent e : transaction.events()) {
      commitTimer.record(now - e.sentNanos(), TimeUnit.NANOSECONDS);
    }
    published.increment(transaction.events().size());
    acked = sentThrough; // reads stopped when the transaction was sealed
    transaction = null;
  }

  /**
   * After a failure: abandons the open transaction, so that nothing of it becomes visible, and arranges for
   * everything after the committed position to be sent again. False when this publisher was fenced: then it stops.
   */
  private boolean recover(Exception failure) {
    if (TransactionalProducer.isFenced(failure)) {
      return stopFenced(failure);
    }
    log.warn("publishing to {} after seq {} failed, resending after a backoff: {}", topic, acked,
        failure.getMessage());
    try {
      if (transaction != null) {
        producer.abandonTransaction();
      } else {
        producer.failedOutsideTransaction(failure);
      }
    } catch (RuntimeException fenced) {
      return stopFenced(fenced);
    }
    transaction = null;
    sentThrough = acked;
    more = true;
    return true;
  }

  private boolean stopFenced(Exception e) {
    fenced = true;
    transaction = null;
    log.error("publishing to {} stopped after seq {}: another publisher with the same transactional.id started "
        + "and fenced this one ({}); the events after seq {} are left to it", topic, acked, e.getMessage(), acked);
    return false;
  }

  private long storedPosition(Backoff backoff) throws InterruptedException {
    while (true) {
      try {
        long p = progress.position();
        backoff.reset();
        log.info("publishing events after seq {} to Kafka topic {}", p, topic);
        return p;
      } catch (RuntimeException e) {
        long wait = backoff.next();
        log.warn("reading the publisher position failed, retrying in {} ms: {}", wait, e.getMessage());
        Thread.sleep(wait);
      }
    }
  }

  /**
   * Stores the position on the marker thread: a database commit (an fsync on PostgreSQL) must not hold up
   * sending. A failure only delays the mark; the next interval tries again.
   */
  private Future<?> markInBackground(long position) {
    return marker.submit(() -> {
      try {
        progress.markPublished(position);
        stored.accumulateAndGet(position, Math::max);
      } catch (RuntimeException e) {
        log.warn("storing publisher position {} failed: {}", position, e.getMessage());
      }
    });
  }

  /** Sends one event, and a tombstone after a delete. */
  private PublishTransaction.Sent send(Producer<String, byte[]> p, ChangeEvent e) {
    String key = e.key().path();
    byte[] value = e.toJsonBytes();
    long sentNanos = System.nanoTime();
    Future<RecordMetadata> ack = p.send(new ProducerRecord<>(topic, null, key, value, seqHeader(e.seq())));
    if (e.op() != Change.Op.DELETE) {
      return new PublishTransaction.Sent(e.seq(), List.of(ack), value.length, sentNanos);
    }
    Future<RecordMetadata> tombstone = p.send(new ProducerRecord<>(topic, null, key, null, seqHeader(e.seq())));
    return new PublishTransaction.Sent(e.seq(), List.of(ack, tombstone), value.length, sentNanos);
  }

  private static RecordHeaders seqHeader(long seq) {
    RecordHeaders h = new RecordHeaders();
    h.add(SEQ_HEADER, Long.toString(seq).getBytes(StandardCharsets.UTF_8));
    return h;
  }

  /**
   * Stops: waits up to {@link #CLOSE_TIMEOUT} for the transaction in flight to commit, then stores the committed
   * position. Anything not committed by then is aborted and published again at the next start.
   */
  @Override
  public void close() {
    stopDeadlineNanos = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
    running = false;
    signal.signal();
    if (thread == null) {
      return;
    }
    try {
      // A blocking producer call (up to max.block.ms) may be under way, then the producer's own close.
      thread.join(2 * CLOSE_TIMEOUT.toMillis() + 15_000);
      if (thread.isAlive()) {
        thread.interrupt();
        thread.join(CLOSE_TIMEOUT.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
