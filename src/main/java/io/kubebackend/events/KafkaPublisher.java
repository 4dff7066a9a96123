package io.kubebackend.events;

import io.kubebackend.mirror.Backoff;
import io.kubebackend.store.Change;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>Delivery: events are read after the last one sent, in bounded batches, and sent at once; the position moves
 * over the prefix of events Kafka has acknowledged ({@code acks=all}, idempotent producer). At most
 * {@link #MAX_IN_FLIGHT_EVENTS} / {@link #MAX_IN_FLIGHT_BYTES} are unacknowledged. Records never expire in the
 * producer: while Kafka is down the producer retries them in order, the window fills and the publisher waits,
 * while the mirror keeps appending to the outbox. Any send failure discards the producer and resends everything
 * after the acknowledged position with a new one. The position is stored through {@link PublishProgress} at most
 * every {@link #MARK_INTERVAL_MS} and on stop, so a crash republishes at most that much, with the same seqs.
 */
public final class KafkaPublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaPublisher.class);
  public static final String SEQ_HEADER = "kb-seq";
  /** Events per read. */
  static final int BATCH = 1_000;
  /** Object JSON per read at most, whatever the object sizes. */
  static final long MAX_BATCH_BYTES = 4L << 20;
  /**
   * Events sent but not yet acknowledged, at most (count and bytes): bounds memory and the producer's buffer
   * (32 MB by default) while Kafka is slow or down, and what is resent after a failure.
   */
  static final int MAX_IN_FLIGHT_EVENTS = 5_000;
  static final long MAX_IN_FLIGHT_BYTES = 16L << 20;
  /** How long the loop waits for an acknowledgement before it looks for new commits again. */
  static final long ACK_WAIT_MS = 2;
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
  private final Timer ackTimer;
  private volatile boolean running = true;
  /** Set by {@link #close}: until then a batch in flight may still be acknowledged (fewer resends next start). */
  private volatile long stopDeadlineNanos;
  private volatile long acked = -1;
  /** The last position stored through {@link #progress}. */
  private final AtomicLong stored = new AtomicLong();
  private final ExecutorService marker = Executors.newSingleThreadExecutor(
      r -> Thread.ofPlatform().name("kafka-publisher-mark").daemon().unstarted(r));
  private Future<?> pendingMark = CompletableFuture.completedFuture(null);
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
    this.ackTimer = Timer.builder("kb.events.publish.ack").description("send -> Kafka acknowledgement of an event")
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

  /** One sent event: its record (and tombstone) acknowledgements, retired in seq order. */
  private record InFlight(long seq, List<Future<RecordMetadata>> acks, long bytes) {
    boolean done() {
      return acks.stream().allMatch(Future::isDone);
    }

    /** Throws if Kafka refused a record. */
    void check() throws ExecutionException, InterruptedException {
      for (Future<RecordMetadata> ack : acks) {
        ack.get();
      }
    }
  }

  /**
   * The loop: retire acknowledged events in seq order (moving the position), read and send more while the
   * in-flight window has room, else wait briefly for an acknowledgement or a commit. Sending does not wait for
   * the previous batch's acknowledgements: the idempotent producer keeps partition order across requests in
   * flight, and the position only moves over a prefix of acknowledged events.
   */
  private void run() {
    Backoff backoff = new Backoff();
    Producer<String, byte[]> producer = null;
    Deque<InFlight> inFlight = new ArrayDeque<>();
    long inFlightBytes = 0;
    try {
      acked = storedPosition(backoff);
      long sentThrough = acked;
      stored.set(acked);
      long markedAtMs = clock.millis();
      long readGeneration = -1;
      long lastReadNanos = 0;
      boolean more = true;
      boolean warnedGap = false;
      while (running || (!inFlight.isEmpty() && System.nanoTime() - stopDeadlineNanos < 0)) {
        try {
          while (!inFlight.isEmpty() && inFlight.peek().done()) {
            InFlight done = inFlight.poll();
            done.check();
            inFlightBytes -= done.bytes();
            acked = done.seq();
            published.increment();
          }
          if (inFlight.isEmpty()) {
            acked = sentThrough; // also covers seqs a read skipped (none exist there)
          }
          if (acked > stored.get() && clock.millis() - markedAtMs >= MARK_INTERVAL_MS && pendingMark.isDone()) {
            pendingMark = markInBackground(acked);
            markedAtMs = clock.millis();
          }
          boolean room = inFlight.size() < MAX_IN_FLIGHT_EVENTS && inFlightBytes < MAX_IN_FLIGHT_BYTES;
          long generation = signal.generation();
          boolean due = more || generation != readGeneration
              || System.nanoTime() - lastReadNanos > TimeUnit.MILLISECONDS.toNanos(IDLE_POLL_MS);
          if (running && room && due) {
            OutboxReader.Batch batch = reader.readAfter(sentThrough, BATCH, MAX_BATCH_BYTES,
                OutboxReader.Filter.ALL);
            readGeneration = generation;
            lastReadNanos = System.nanoTime();
            if (batch.gapAfter(sentThrough) && !warnedGap) {
              // Only when the outbox was pruned without this publisher (e.g. the topic changed): not recoverable.
              log.warn("events {}..{} were pruned before they were published to {}", sentThrough + 1,
                  batch.prunedThrough(), topic);
              warnedGap = true;
            }
            if (!batch.events().isEmpty() && producer == null) {
              producer = producers.get();
            }
            for (ChangeEvent e : batch.events()) {
              InFlight sent = send(producer, e);
              inFlight.add(sent);
              inFlightBytes += sent.bytes();
            }
            sentThrough = batch.nextAfter();
            more = batch.full();
            backoff.reset();
            continue;
          }
          if (!inFlight.isEmpty()) {
            // Acknowledgements normally come within a millisecond or two; a commit meanwhile is read after it.
            // With no room (Kafka slow or down) there is nothing else to do but wait for the oldest.
            awaitQuietly(inFlight.peek(), room ? ACK_WAIT_MS : IDLE_POLL_MS);
          } else if (running) {
            signal.awaitAfter(generation, IDLE_POLL_MS);
          }
        } catch (RuntimeException | ExecutionException e) {
          long wait = backoff.next();
          log.warn("publishing to {} after seq {} failed, resending in {} ms: {}", topic, acked, wait,
              e.getMessage());
          if (producer != null) {
            producer.close(Duration.ZERO);
            producer = null;
          }
          // Everything after the acknowledged position is sent again (same seqs): at-least-once.
          inFlight.clear();
          inFlightBytes = 0;
          sentThrough = acked;
          more = true;
          Thread.sleep(wait);
        }
      }
    } catch (InterruptedException e) {
      // close() interrupts only after giving the loop time to stop by itself.
    } finally {
      if (producer != null) {
        producer.close(CLOSE_TIMEOUT);
      }
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

  private static void awaitQuietly(InFlight oldest, long timeoutMs) throws InterruptedException {
    try {
      oldest.acks().getLast().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // A failure is raised by check() in order; a timeout only means: look again.
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
  private InFlight send(Producer<String, byte[]> producer, ChangeEvent e) {
    String key = e.key().path();
    byte[] value = e.toJsonBytes();
    long sentNanos = System.nanoTime();
    Future<RecordMetadata> ack = producer.send(new ProducerRecord<>(topic, null, key, value, seqHeader(e.seq())),
        (metadata, error) -> {
          if (error == null) {
            ackTimer.record(System.nanoTime() - sentNanos, TimeUnit.NANOSECONDS);
          }
        });
    if (e.op() != Change.Op.DELETE) {
      return new InFlight(e.seq(), List.of(ack), value.length);
    }
    Future<RecordMetadata> tombstone = producer.send(new ProducerRecord<>(topic, null, key, null,
        seqHeader(e.seq())));
    return new InFlight(e.seq(), List.of(ack, tombstone), value.length);
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
