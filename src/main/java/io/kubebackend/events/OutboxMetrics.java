package io.kubebackend.events;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gauges of the outbox, read from the database when scraped (at most once a second, whatever the number of
 * gauges and scrapers): how much it holds and, with Kafka, how far publishing is behind. The published rate is
 * the {@code kb_events_published_total} counter of {@link KafkaPublisher}.
 */
final class OutboxMetrics {
  private static final Logger log = LoggerFactory.getLogger(OutboxMetrics.class);
  private static final long REFRESH_MS = 1_000;

  private final OutboxReader reader;
  private final KafkaPublisher publisher;
  private final Clock clock;
  private long refreshedMs;
  /** Null until the first scrape reads the database. */
  private Snapshot snapshot;

  /**
   * @param head      newest seq in the outbox
   * @param held      events held (head minus prune marker: an upper bound, as seqs may have gaps)
   * @param lagEvents events not yet acknowledged by Kafka (same bound)
   * @param lagMs     age of the oldest event not yet acknowledged by Kafka; 0 when caught up
   */
  record Snapshot(long head, long held, long lagEvents, long lagMs) {}

  /** {@code publisher} may be null (embedded mode): then only the outbox gauges are registered. */
  OutboxMetrics(OutboxReader reader, KafkaPublisher publisher, Clock clock, MeterRegistry registry) {
    this.reader = reader;
    this.publisher = publisher;
    this.clock = clock;
    Gauge.builder("kb.events.outbox.head", this, m -> m.snapshot().head())
        .description("seq of the newest event in the outbox").register(registry);
    Gauge.builder("kb.events.outbox.events", this, m -> m.snapshot().held())
        .description("events held in the outbox (upper bound)").register(registry);
    if (publisher != null) {
      Gauge.builder("kb.events.publish.lag.events", this, m -> m.snapshot().lagEvents())
          .description("events in the outbox not yet acknowledged by Kafka (the publish backlog)")
          .tag("topic", publisher.topic()).register(registry);
      Gauge.builder("kb.events.publish.lag.seconds", this, m -> m.snapshot().lagMs() / 1000.0)
          .description("age of the oldest event not yet acknowledged by Kafka")
          .tag("topic", publisher.topic()).register(registry);
    }
  }

  synchronized Snapshot snapshot() {
    long now = clock.millis();
    // (No "never refreshed" sentinel time: now - Long.MIN_VALUE overflows, and the gauges would stay at zero.)
    if (snapshot == null || now - refreshedMs >= REFRESH_MS) {
      refreshedMs = now;
      try {
        long head = reader.head();
        long pruned = reader.prunedThrough();
        long lagEvents = 0;
        long lagMs = 0;
        if (publisher != null && publisher.acked() >= 0) {
          long acked = publisher.acked();
          lagEvents = Math.max(0, head - acked);
          OptionalLong oldest = lagEvents > 0 ? reader.firstTsAfter(acked) : OptionalLong.empty();
          lagMs = oldest.isPresent() ? Math.max(0, now - oldest.getAsLong()) : 0;
        }
        snapshot = new Snapshot(head, Math.max(0, head - pruned), lagEvents, lagMs);
      } catch (RuntimeException e) {
        log.debug("outbox metrics not refreshed: {}", e.getMessage());
        if (snapshot == null) {
          return new Snapshot(0, 0, 0, 0); // the database unreadable from the start: retried next scrape
        }
      }
    }
    return snapshot;
  }
}
