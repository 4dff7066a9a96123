package io.kubebackend.events;

import io.kubebackend.mirror.Backoff;
import io.kubebackend.store.Change;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the outbox to one Kafka topic, in seq order, on one thread.
 *
 * <p>Record key {@code cluster/group/resource/namespace/name}, so all changes of one object land in one partition
 * in order; value the event JSON; header {@value #SEQ_HEADER} the outbox seq (decimal), for consumers to drop
 * duplicates. Each {@code d} is followed by a tombstone (same key, null value, same {@value #SEQ_HEADER}) so a
 * compacted topic forgets the object.
 *
 * <p>Delivery: a batch is read after the acknowledged position, sent, and the position moves only when every
 * record of the batch is acknowledged ({@code acks=all}, idempotent producer). Records never expire in the
 * producer: while Kafka is down the producer retries them in order and the mirror keeps appending to the outbox;
 * nothing is read ahead of one batch. Any send failure discards the producer and resends from the acknowledged
 * position with a new one. The position is stored through {@link PublishProgress} at most every
 * {@link #MARK_INTERVAL_MS} and on stop, so a crash republishes at most that much, with the same seqs.
 */
public final class KafkaPublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaPublisher.class);
  public static final String SEQ_HEADER = "kb-seq";
  /** Events per read: bounds memory (a few MB of JSON) and the resend after a failure. */
  static final int BATCH = 1_000;
  /** Fallback poll when no commit signal arrives (commits are normally signalled at once). */
  static final long IDLE_POLL_MS = 100;
  /**
   * How often the acknowledged position is stored. Storing it after every batch would add a database commit to
   * each round trip at high rates; 200 ms bounds what a crash republishes to well under a second of events.
   */
  static final long MARK_INTERVAL_MS = 200;
  /** How long a stop waits for Kafka to acknowledge what is in flight. */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final OutboxReader reader;
  private final PublishProgress progress;
  private final Supplier<Producer<String, byte[]>> producers;
  private final String topic;
  private final OutboxSignal signal;
  private final Clock clock;
  private final Counter published;
  private final Timer batchTimer;
  private volatile boolean running = true;
  /** Set by {@link #close}: until then a batch in flight may still be acknowledged (fewer resends next start). */
  private volatile long stopDeadlineNanos;
  private volatile long acked = -1;
  private Thread thread;

  /**
   * @param producers makes a producer; called again after each send failure (the old one is closed)
   */
  public KafkaPublisher(OutboxReader reader, PublishProgress progress, Supplier<Producer<String, byte[]>> producers,
                        String topic, OutboxSignal signal, Clock clock, MeterRegistry metrics) {
    this.reader = reader;
    this.progress = progress;
    this.producers = producers;
    this.topic = topic;
    this.signal = signal;
    this.clock = clock;
    this.published = Counter.builder("kb.events.published").description("events acknowledged by Kafka")
        .tag("topic", topic).register(metrics);
    this.batchTimer = Timer.builder("kb.events.publish.batch").description("send and acknowledgement of one batch")
        .tag("topic", topic).publishPercentiles(0.5, 0.99).register(metrics);
  }

  /**
   * Producer settings for {@code bootstrap}; {@code overrides} (e.g. security settings from the configuration)
   * are applied last.
   */
  public static Map<String, Object> producerConfig(String bootstrap, Map<String, String> overrides) {
    Map<String, Object> cfg = new HashMap<>();
    cfg.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cfg.put(ProducerConfig.CLIENT_ID_CONFIG, "kube-backend-publisher");
    cfg.put(ProducerConfig.ACKS_CONFIG, "all");
    cfg.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    cfg.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    // Never give up on a record: an expired record would leave a hole that later records of the same partition
    // jump over. While Kafka is down the idempotent producer retries in order; the outbox holds the rest.
    cfg.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
    cfg.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
    // linger 0: a lone change goes out at once (latency); under load batches still form behind the requests
    // in flight. lz4 roughly doubles throughput of JSON on a 2-core machine.
    cfg.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    cfg.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
    cfg.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // A send blocks this long for topic metadata (Kafka unreachable at start), then fails and is retried.
    cfg.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    cfg.putAll(overrides);
    return cfg;
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

  /** Every event up to this seq is acknowledged by Kafka (-1 until the stored position was read). */
  public long acked() {
    return acked;
  }

  private void run() {
    Backoff backoff = new Backoff();
    Producer<String, byte[]> producer = null;
    try {
      long position = storedPosition(backoff);
      long marked = position;
      long markedAtMs = clock.millis();
      boolean warnedGap = false;
      while (running) {
        long generation = signal.generation();
        try {
          OutboxReader.Batch batch = reader.readAfter(position, BATCH, OutboxReader.Filter.ALL);
          if (batch.gapAfter(position) && !warnedGap) {
            // Only when the outbox was pruned without this publisher (e.g. the topic changed): not recoverable.
            log.warn("events {}..{} were pruned before they were published to {}", position + 1,
                batch.prunedThrough(), topic);
            warnedGap = true;
          }
          if (!batch.events().isEmpty()) {
            if (producer == null) {
              producer = producers.get();
            }
            long t0 = System.nanoTime();
            if (!sendAll(producer, batch.events())) {
              return;
            }
            batchTimer.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
            published.increment(batch.events().size());
          }
          position = batch.nextAfter();
          acked = position;
          backoff.reset();
          boolean caughtUp = batch.events().size() < BATCH;
          // Idle wake-ups come at least every IDLE_POLL_MS, so a quiet publisher stores its last position soon.
          if (position > marked && clock.millis() - markedAtMs >= MARK_INTERVAL_MS) {
            marked = mark(position, marked);
            markedAtMs = clock.millis();
          }
          if (caughtUp) {
            signal.awaitAfter(generation, IDLE_POLL_MS);
          }
        } catch (RuntimeException | ExecutionException e) {
          long wait = backoff.next();
          log.warn("publishing to {} after seq {} failed, resending in {} ms: {}", topic, position, wait,
              e.getMessage());
          if (producer != null) {
            producer.close(Duration.ZERO);
            producer = null;
          }
          Thread.sleep(wait);
        }
      }
    } catch (InterruptedException e) {
      // close() interrupts only after giving the loop time to stop by itself.
    } finally {
      if (producer != null) {
        producer.close(CLOSE_TIMEOUT);
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

  /** Stores the position; a failure only delays the mark (the next one covers it). */
  private long mark(long position, long marked) {
    try {
      progress.markPublished(position);
      return position;
    } catch (RuntimeException e) {
      log.warn("storing publisher position {} failed: {}", position, e.getMessage());
      return marked;
    }
  }

  /** Sends the batch and waits for every acknowledgement. False if stopped meanwhile. */
  private boolean sendAll(Producer<String, byte[]> producer, List<ChangeEvent> events)
      throws ExecutionException, InterruptedException {
    List<Future<RecordMetadata>> acks = new ArrayList<>(events.size() + 16);
    for (ChangeEvent e : events) {
      String key = e.key().path();
      acks.add(producer.send(new ProducerRecord<>(topic, null, key, e.toJsonBytes(), seqHeader(e.seq()))));
      if (e.op() == Change.Op.DELETE) {
        acks.add(producer.send(new ProducerRecord<>(topic, null, key, null, seqHeader(e.seq()))));
      }
    }
    for (Future<RecordMetadata> ack : acks) {
      while (true) {
        if (!running && System.nanoTime() - stopDeadlineNanos > 0) {
          return false;
        }
        try {
          ack.get(500, TimeUnit.MILLISECONDS);
          break;
        } catch (TimeoutException stillWaiting) {
          // Kafka slow or down: the producer keeps retrying; keep waiting unless stopped.
        }
      }
    }
    return true;
  }

  private static RecordHeaders seqHeader(long seq) {
    RecordHeaders h = new RecordHeaders();
    h.add(SEQ_HEADER, Long.toString(seq).getBytes(StandardCharsets.UTF_8));
    return h;
  }

  /**
   * Stops: waits up to {@link #CLOSE_TIMEOUT} for the batch in flight to be acknowledged, then stores the
   * acknowledged position. Anything not acknowledged by then is published again at the next start.
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
      thread.join(2 * CLOSE_TIMEOUT.toMillis() + 5_000);
      if (thread.isAlive()) {
        thread.interrupt();
        thread.join(CLOSE_TIMEOUT.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
