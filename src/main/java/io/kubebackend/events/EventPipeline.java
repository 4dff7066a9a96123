package io.kubebackend.events;

import io.kubebackend.config.BackendConfig;
import io.kubebackend.store.Database;
import io.kubebackend.store.Leases;
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
  /** Null with one replica. */
  private final SinkLease lease;
  /** Null with one replica. */
  private final OutboxNotifications notifications;
  private final List<OutboxSink> sinks;
  private final OutboxPruner pruner;
  /**
   * Held only to keep it reachable: Micrometer gauges keep a weak reference to their state object, so without
   * this the outbox gauges read NaN after the next garbage collection.
   */
  private final OutboxMetrics outboxMetrics;
  private final Clock clock;
  private final MeterRegistry metrics;

  private EventPipeline(OutboxSignal signal, OutboxReader reader, SinkLease lease, OutboxNotifications notifications,
                        List<OutboxSink> sinks,
                        OutboxPruner pruner, OutboxMetrics outboxMetrics, Clock clock, MeterRegistry metrics) {
    this.signal = signal;
    this.reader = reader;
    this.lease = lease;
    this.notifications = notifications;
    this.sinks = sinks;
    this.pruner = pruner;
    this.outboxMetrics = outboxMetrics;
    this.clock = clock;
    this.metrics = metrics;
  }

  public static EventPipeline start(BackendConfig.Kafka config, Database db, Clock clock, MeterRegistry metrics) {
    return start(config, BackendConfig.RabbitMq.off(), db, clock, metrics, null);
  }

  /**
   * Several replicas on one database: the sinks run only on the replica holding the {@code sinks} lease (see
   * {@link SinkLease}); {@code replicaId} names this one.
   */
  public record Coordination(String replicaId, Leases leases, Duration ttl) {}

  /**
   * Starts every configured sink, each from its own stored position, and the pruner behind the slowest. With
   * {@code coordination} (null for one replica) the sinks start once this replica takes the sink lease.
   */
  public static EventPipeline start(BackendConfig.Kafka config, BackendConfig.RabbitMq rabbit, Database db,
                                    Clock clock, MeterRegistry metrics, Coordination coordination) {
    OutboxSignal signal = new OutboxSignal();
    OutboxReader reader = new OutboxReader(db);
    List<SinkLease.Standby> configured = new ArrayList<>();
    if (config.enabled()) {
      PublishProgress progress = new SqlPublishProgress(db, "kafka:" + config.topic(), clock);
      configured.add(new SinkLease.Standby("kafka", config.topic(), progress, () -> new KafkaPublisher(reader,
          progress, KafkaPublisher.producers(KafkaPublisher.publisherConfig(config.bootstrap(), config.topic(),
          config.properties())), config.topic(), signal, clock, metrics).start()));
    }
    if (rabbit.enabled()) {
      PublishProgress progress = new SqlPublishProgress(db, RabbitPublisher.progressName(rabbit), clock);
      configured.add(new SinkLease.Standby("rabbitmq", rabbit.exchange(), progress, () -> new RabbitPublisher(reader,
          progress, rabbit, rabbit.effectiveUser(), rabbit.effectivePassword(), signal, clock, metrics).start()));
    }
    OutboxNotifications notifications = coordination == null ? null : new OutboxNotifications(db, signal);
    SinkLease lease = null;
    if (coordination == null || configured.isEmpty()) {
      configured.forEach(SinkLease.Standby::activate);
    } else {
      lease = new SinkLease(coordination.replicaId(), coordination.leases(), coordination.ttl(), configured);
    }
    // Prune only what every sink has stored as delivered (read from the database, so a replica that does not
    // publish prunes no further than the one that does): after a crash each resumes from there.
    List<OutboxSink> all = List.copyOf(configured);
    OutboxPruner pruner = new OutboxPruner(db, config.retention(), () -> all.isEmpty() ? OptionalLong.empty()
        : OptionalLong.of(all.stream().mapToLong(s -> s.progress().position()).min().orElseThrow()), clock)
        .start(PRUNE_INTERVAL);
    OutboxMetrics outboxMetrics = new OutboxMetrics(reader, all, clock, metrics);
    return new EventPipeline(signal, reader, lease, notifications, all, pruner, outboxMetrics, clock, metrics);
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

  /** The Kafka publisher, if Kafka is configured and this replica publishes. */
  public Optional<KafkaPublisher> publisher() {
    return sinks.stream().map(s -> ((SinkLease.Standby) s).active()).filter(KafkaPublisher.class::isInstance)
        .map(KafkaPublisher.class::cast).findFirst();
  }

  /** Every configured sink (Kafka first), running here or (several replicas) standing by. */
  public List<OutboxSink> sinks() {
    return sinks;
  }

  /** Stops pruning and publishing (the publisher stores its acknowledged position). */
  @Override
  public void close() {
    pruner.close();
    if (lease != null) {
      lease.close();
    }
    if (notifications != null) {
      notifications.close();
    }
    for (OutboxSink sink : sinks) {
      sink.close();
    }
  }
}
