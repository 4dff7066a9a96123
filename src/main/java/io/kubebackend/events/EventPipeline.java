package io.kubebackend.events;

import io.kubebackend.config.BackendConfig;
import io.kubebackend.store.Database;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The events stage, wired: outbox reader, the sinks (Kafka, RabbitMQ: those configured), the pruner and the
 * metrics. The mirror only has to call {@link #committed()} after each commit; readers of the outbox (the API's
 * change stream) wait on {@link #signal()}. Nothing here knows HTTP.
 */
public final class EventPipeline implements AutoCloseable {
  /** How often the pruner runs; retention is hours or days, so a minute is precise enough. */
  static final Duration PRUNE_INTERVAL = Duration.ofMinutes(1);

  private final OutboxSignal signal;
  private final OutboxReader reader;
  private final KafkaPublisher publisher;
  private final List<OutboxSink> sinks;
  private final OutboxPruner pruner;
  /**
   * Held only to keep it reachable: Micrometer gauges keep a weak reference to their state object, so without
   * this the outbox gauges read NaN after the next garbage collection.
   */
  private final OutboxMetrics outboxMetrics;
  private final Clock clock;
  private final MeterRegistry metrics;

  private EventPipeline(OutboxSignal signal, OutboxReader reader, KafkaPublisher publisher, List<OutboxSink> sinks,
                        OutboxPruner pruner, OutboxMetrics outboxMetrics, Clock clock, MeterRegistry metrics) {
    this.signal = signal;
    this.reader = reader;
    this.publisher = publisher;
    this.sinks = sinks;
    this.pruner = pruner;
    this.outboxMetrics = outboxMetrics;
    this.clock = clock;
    this.metrics = metrics;
  }

  public static EventPipeline start(BackendConfig.Kafka config, Database db, Clock clock, MeterRegistry metrics) {
    return start(config, BackendConfig.RabbitMq.off(), db, clock, metrics);
  }

  /** Starts every configured sink, each from its own stored position, and the pruner behind the slowest. */
  public static EventPipeline start(BackendConfig.Kafka config, BackendConfig.RabbitMq rabbit, Database db,
                                    Clock clock, MeterRegistry metrics) {
    OutboxSignal signal = new OutboxSignal();
    OutboxReader reader = new OutboxReader(db);
    KafkaPublisher publisher = null;
    List<OutboxSink> sinks = new ArrayList<>();
    if (config.enabled()) {
      PublishProgress progress = new SqlPublishProgress(db, "kafka:" + config.topic(), clock);
      publisher = new KafkaPublisher(reader, progress, KafkaPublisher.producers(
          KafkaPublisher.publisherConfig(config.bootstrap(), config.topic(), config.properties())), config.topic(),
          signal, clock, metrics).start();
      sinks.add(publisher);
    }
    if (rabbit.enabled()) {
      PublishProgress progress = new SqlPublishProgress(db, RabbitPublisher.progressName(rabbit), clock);
      sinks.add(new RabbitPublisher(reader, progress, rabbit, rabbit.effectiveUser(), rabbit.effectivePassword(),
          signal, clock, metrics).start());
    }
    // Prune only what every sink has stored as delivered: after a crash each resumes from there.
    List<OutboxSink> all = List.copyOf(sinks);
    OutboxPruner pruner = new OutboxPruner(db, config.retention(), () -> all.isEmpty() ? OptionalLong.empty()
        : OptionalLong.of(all.stream().mapToLong(s -> s.progress().position()).min().orElseThrow()), clock)
        .start(PRUNE_INTERVAL);
    OutboxMetrics outboxMetrics = new OutboxMetrics(reader, all, clock, metrics);
    return new EventPipeline(signal, reader, publisher, all, pruner, outboxMetrics, clock, metrics);
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

  /** Every configured sink (Kafka first). */
  public List<OutboxSink> sinks() {
    return sinks;
  }

  /** Stops pruning and publishing (the publisher stores its acknowledged position). */
  @Override
  public void close() {
    pruner.close();
    for (OutboxSink sink : sinks) {
      sink.close();
    }
  }
}
