package io.kubebackend.events;

/**
 * A destination the outbox is published to (Kafka, RabbitMQ), each with its own stored position: the pruner never
 * deletes an event a sink has not acknowledged, and a sink that is down only falls behind.
 */
public interface OutboxSink extends AutoCloseable {
  /** {@code kafka} or {@code rabbitmq}: the {@code sink} tag of its metrics. */
  String kind();

  /** The Kafka topic or the RabbitMQ exchange: the {@code topic} tag of its metrics. */
  String destination();

  /** Every event up to this seq is acknowledged by the destination (-1 until the stored position was read). */
  long acked();

  /** The position stored in the database: what survives a crash, and what the pruner must not pass. */
  PublishProgress progress();

  /** Why the sink is not publishing right now (in words, without credentials); null while it is. */
  default String lastError() {
    return null;
  }

  @Override
  void close();
}
