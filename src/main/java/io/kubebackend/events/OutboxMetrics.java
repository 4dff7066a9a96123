package io.kubebackend.events;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gauges of the outbox, read from the database when scraped (at most once a second, whatever the number of
 * gauges and scrapers): how much it holds and how far each sink is behind. The published rate is each sink's
 * {@code kb_events_published_total} counter.
 */
final class OutboxMetrics {
  private static final Logger log = LoggerFactory.getLogger(OutboxMetrics.class);
  private static final long REFRESH_MS = 1_000;

  private final OutboxReader reader;
  private final List<OutboxSink> sinks;
  private final Clock clock;
  private long refreshedMs;
  /** Null until the first scrape reads the database. */
  private Snapshot snapshot;

  /**
   * @param head      newest seq in the outbox
   * @param held      events held (head minus prune marker: an upper bound, as seqs may have gaps)
   * @param lagEvents per sink, events not yet acknowledged (same bound)
   * @param lagMs     per sink, age of the oldest event not yet acknowledged; 0 when caught up
   */
  record Snapshot(long head, long held, long[] lagEvents, long[] lagMs) {}

  /** With no sinks (embedded mode) only the outbox gauges are registered. */
  OutboxMetrics(OutboxReader reader, List<OutboxSink> sinks, Clock clock, MeterRegistry registry) {
    this.reader = reader;
    this.sinks = sinks;
    this.clock = clock;
    Gauge.builder("kb.events.outbox.head", this, m -> m.snapshot().head())
        .description("seq of the newest event in the outbox").register(registry);
    Gauge.builder("kb.events.outbox.events", this, m -> m.snapshot().held())
        .description("events held in the outbox (upper bound)").register(registry);
    for (int i = 0; i < sinks.size(); i++) {
      int n = i;
      OutboxSink sink = sinks.get(i);
      Gauge.builder("kb.events.publish.lag.events", this, m -> m.snapshot().lagEvents()[n])
          .description("events in the outbox not yet acknowledged by the sink (its backlog)")
          .tag("sink", sink.kind()).tag("topic", sink.destination()).register(registry);
      Gauge.builder("kb.events.publish.lag.seconds", this, m -> m.snapshot().lagMs()[n] / 1000.0)
          .description("age of the oldest event not yet acknowledged by the sink")
          .tag("sink", sink.kind()).tag("topic", sink.destination()).register(registry);
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
        long[] lagEvents = new long[sinks.size()];
        long[] lagMs = new long[sinks.size()];
        for (int i = 0; i < sinks.size(); i++) {
          long acked = sinks.get(i).acked();
          if (acked >= 0) {
            lagEvents[i] = Math.max(0, head - acked);
            OptionalLong oldest = lagEvents[i] > 0 ? reader.firstTsAfter(acked) : OptionalLong.empty();
            lagMs[i] = oldest.isPresent() ? Math.max(0, now - oldest.getAsLong()) : 0;
          }
        }
        snapshot = new Snapshot(head, Math.max(0, head - pruned), lagEvents, lagMs);
      } catch (RuntimeException e) {
        log.debug("outbox metrics not refreshed: {}", e.getMessage());
        if (snapshot == null) {
          return new Snapshot(0, 0, new long[sinks.size()], new long[sinks.size()]); // the database unreadable from the start: retried next scrape
        }
      }
    }
    return snapshot;
  }
}
