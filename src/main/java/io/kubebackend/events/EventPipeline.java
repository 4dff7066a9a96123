package io.kubebackend.events;

import io.kubebackend.config.BackendConfig;
import io.kubebackend.store.Database;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The events stage, wired: outbox reader, the Kafka publisher (when Kafka is configured), the pruner and the
 * metrics. The mirror only has to call {@link #committed()} after each commit; readers of the outbox (the API's
 * change stream) wait on {@link #signal()}. Nothing here knows HTTP.
 */
public final class EventPipeline implements AutoCloseable {
  /** How often the pruner runs; retention is hours or days, so a minute is precise enough. */
  static final Duration PRUNE_INTERVAL = Duration.ofMinutes(1);

  private final OutboxSignal signal;
  private final OutboxReader reader;
  private final KafkaPublisher publisher;
  private final OutboxPruner pruner;
  /**
   * Held only to keep it reachable: Micrometer gauges keep a weak reference to their state object, so without
   * this the outbox gauges read NaN after the next garbage collection.
   */
  private final OutboxMetrics outboxMetrics;
  private final Clock clock;
  private final MeterRegistry metrics;

  private EventPipeline(OutboxSignal signal, OutboxReader reader, KafkaPublisher publisher, OutboxPruner pruner,
                        OutboxMetrics outboxMetrics, Clock clock, MeterRegistry metrics) {
    this.signal = signal;
    this.reader = reader;
    this.publisher = publisher;
    this.pruner = pruner;
    this.outboxMetrics = outboxMetrics;
    this.clock = clock;
    this.metrics = metrics;
  }

  public static EventPipeline start(BackendConfig.Kafka config, Database db, Clock clock, MeterRegistry metrics) {
    OutboxSignal signal = new OutboxSignal();
    OutboxReader reader = new OutboxReader(db);
    KafkaPublisher publisher = null;
    PublishProgress progress = null;
    if (config.enabled()) {
      progress = new SqlPublishProgress(db, "kafka:" + config.topic(), clock);
      publisher = new KafkaPublisher(reader, progress, KafkaPublisher.producers(
          KafkaPublisher.publisherConfig(config.bootstrap(), config.topic(), config.properties())), config.topic(),
          signal, clock, metrics).start();
    }
    // Prune only what the publisher has stored as delivered: after a crash it resumes from there.
    PublishProgress delivered = progress;
    OutboxPruner pruner = new OutboxPruner(db, config.retention(),
        () -> delivered == null ? OptionalLong.empty() : OptionalLong.of(delivered.position()), clock)
        .start(PRUNE_INTERVAL);
    OutboxMetrics outboxMetrics = new OutboxMetrics(reader, publisher, clock, metrics);
    return new EventPipeline(signal, reader, publisher, pruner, outboxMetrics, clock, metrics);
  }

  /** Called by the mirror's writer after each commit: wakes the publisher and the streams. */
  public void committed() {
    signal.signal();
  }

  /** Signalled after every commit: what outbox readers wait on. */
  public OutboxSignal signal() {
    return signal;
  }

  public OutboxReader reader() {
    return reader;
  }

  public Optional<KafkaPublisher> publisher() {
    return Optional.ofNullable(publisher);
  }

  /** Stops pruning and publishing (the publisher stores its acknowledged position). */
  @Override
  public void close() {
    pruner.close();
    if (publisher != null) {
      publisher.close();
    }
  }
}
