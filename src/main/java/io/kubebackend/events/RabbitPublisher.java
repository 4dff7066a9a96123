package io.kubebackend.events;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.retry.Backoff;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the outbox to RabbitMQ, in seq order, on one thread and one channel, with publisher confirms.
 *
 * <p>Every event goes to a durable topic exchange with the routing key {@code cluster.group.kind} (group
 * {@code core} for the core group, kind in lower case: {@code prod.apps.deployment}). With {@code kindQueues}, as
 * the original kubesys system had, each kind also has a queue named by its lower-case kind ({@code pod}), bound
 * with {@code #.pod}: a STOMP client reaches it as {@code /queue/pod}. Kinds of different groups with one name
 * share that queue; the message says which group.
 *
 * <p>Delivery is at least once and in order per object: events are published in seq order on one channel, and
 * the position moves only after the broker confirmed everything up to it. After any failure (broker down, channel
 * closed, a nack, a confirm that did not come) the connection is dropped and, after a backoff, publishing resumes
 * after the acknowledged position, so events in flight are published again, with the same seq (header
 * {@value #SEQ_HEADER} and the message id) for consumers to drop duplicates. Messages are persistent when the kind
 * queues are durable. The stored position is written at most every {@link #MARK_INTERVAL_MS} and on stop.
 */
public final class RabbitPublisher implements OutboxSink {
  private static final Logger log = LoggerFactory.getLogger(RabbitPublisher.class);
  public static final String SEQ_HEADER = "kb-seq";
  static final int BATCH = 500;
  static final long IDLE_POLL_MS = 100;
  static final long MARK_INTERVAL_MS = 200;
  static final long CONFIRM_TIMEOUT_MS = 30_000;

  private final OutboxReader reader;
  private final PublishProgress progress;
  private final ConnectionFactory factory;
  private final BackendConfig.RabbitMq config;
  private final OutboxSignal signal;
  private final Clock clock;
  private final Counter published;
  private final Counter failures;
  private volatile boolean running = true;
  private volatile boolean connected;
  private volatile long acked = -1;
  private volatile String lastError;
  private Thread thread;

  public RabbitPublisher(OutboxReader reader, PublishProgress progress, BackendConfig.RabbitMq config,
                         String user, String password, OutboxSignal signal, Clock clock, MeterRegistry metrics) {
    this.reader = reader;
    this.progress = progress;
    this.config = config;
    this.signal = signal;
    this.clock = clock;
    factory = new ConnectionFactory();
    factory.setHost(config.host());
    factory.setPort(config.port());
    factory.setVirtualHost(config.vhost());
    factory.setUsername(user);
    factory.setPassword(password);
    // Reconnecting is this class's job: it must resume from the acknowledged position, not mid-batch.
    factory.setAutomaticRecoveryEnabled(false);
    factory.setTopologyRecoveryEnabled(false);
    factory.setConnectionTimeout(10_000);
    factory.setRequestedHeartbeat(15);
    published = Counter.builder("kb.events.published").description("events acknowledged by the sink")
        .tag("sink", kind()).tag("topic", destination()).register(metrics);
    failures = Counter.builder("kb.events.sink.failures").description("connections to the sink that failed")
        .tag("sink", kind()).tag("topic", destination()).register(metrics);
    Gauge.builder("kb.events.sink.connected", this, p -> p.connected ? 1 : 0)
        .description("1 while the sink is connected and publishing").tag("sink", kind()).tag("topic", destination())
        .register(metrics);
  }

  public RabbitPublisher start() {
    thread = Thread.ofPlatform().name("rabbitmq-publisher").daemon().start(this::run);
    return this;
  }

  @Override
  public String kind() {
    return "rabbitmq";
  }

  @Override
  public String destination() {
    return config.exchange();
  }

  @Override
  public long acked() {
    return acked;
  }

  @Override
  public PublishProgress progress() {
    return progress;
  }

  public boolean connected() {
    return connected;
  }

  /** Why the last connection failed, without credentials; null while connected. */
  @Override
  public String lastError() {
    return lastError;
  }

  /** The name of this sink's stored position: the exchange and the vhost it is in. */
  public static String progressName(BackendConfig.RabbitMq config) {
    return "rabbitmq:" + config.exchange() + "@" + config.vhost();
  }

  /** {@code cluster.group.kind}, group {@code core} for the core group, kind in lower case. */
  static String routingKey(ChangeEvent e) {
    return e.cluster() + "." + (e.group().isEmpty() ? "core" : e.group()) + "." + kindQueue(e);
  }

  /** The queue of a kind: the kind in lower case, as the original system named it. */
  static String kindQueue(ChangeEvent e) {
    return e.kind().toLowerCase(Locale.ROOT);
  }

  private void run() {
    Backoff backoff = new Backoff(clock);
    while (running) {
      try {
        publishUntilFailure(backoff);
      } catch (InterruptedException e) {
        return;
      } catch (IOException | TimeoutException | RuntimeException e) {
        connected = false;
        failures.increment();
        lastError = summary(e);
        if (!running) {
          return;
        }
        long wait = backoff.next();
        log.warn("publishing to RabbitMQ {}:{} (vhost {}) failed, resuming after seq {} in {} ms: {}",
            config.host(), config.port(), config.vhost(), acked, wait, lastError);
        try {
          Thread.sleep(wait);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private void publishUntilFailure(Backoff backoff) throws IOException, TimeoutException, InterruptedException {
    try (Connection connection = factory.newConnection("kube-backend");
         Channel channel = connection.createChannel()) {
      channel.confirmSelect();
      channel.exchangeDeclare(config.exchange(), BuiltinExchangeType.TOPIC, true);
      Set<String> declared = new HashSet<>();
      long position = progress.position();
      acked = position;
      long markedAt = clock.millis();
      long marked = position;
      connected = true;
      lastError = null;
      backoff.reset();
      log.info("publishing to RabbitMQ {}:{} (vhost {}, exchange {}) after seq {}", config.host(), config.port(),
          config.vhost(), config.exchange(), position);
      try {
        while (running) {
          long generation = signal.generation();
          OutboxReader.Batch batch = reader.readAfter(position, BATCH, OutboxReader.Filter.ALL);
          if (batch.gapAfter(position)) {
            // Only when the outbox was pruned without this sink (it was not configured): not recoverable.
            log.warn("events {}..{} were pruned before they were published to RabbitMQ", position + 1,
                batch.prunedThrough());
          }
          for (ChangeEvent e : batch.events()) {
            if (config.kindQueues() && declared.add(kindQueue(e))) {
              declareKindQueue(channel, kindQueue(e));
            }
            channel.basicPublish(config.exchange(), routingKey(e), false, properties(e), body(e));
          }
          if (!batch.events().isEmpty()) {
            channel.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MS);
            published.increment(batch.events().size());
          }
          position = Math.max(position, batch.nextAfter());
          acked = position;
          if (position > marked && clock.millis() - markedAt >= MARK_INTERVAL_MS) {
            progress.markPublished(position);
            marked = position;
            markedAt = clock.millis();
          }
          if (!batch.full()) {
            signal.awaitAfter(generation, IDLE_POLL_MS);
          }
        }
      } finally {
        if (position > marked) {
          progress.markPublished(position);
        }
        connected = false;
      }
    }
  }

  private void declareKindQueue(Channel channel, String queue) throws IOException {
    Map<String, Object> args = new HashMap<>();
    if (config.maxLength() > 0) {
      // The oldest messages go first (RabbitMQ's default overflow, so no x-overflow: a STOMP subscriber that
      // declares the queue again cannot send one).
      args.put("x-max-length", config.maxLength());
    }
    if (config.messageTtlSeconds() > 0) {
      args.put("x-message-ttl", config.messageTtlSeconds() * 1000);
    }
    channel.queueDeclare(queue, config.durable(), false, false, args);
    channel.queueBind(queue, config.exchange(), "#." + queue);
  }

  private AMQP.BasicProperties properties(ChangeEvent e) {
    return new AMQP.BasicProperties.Builder()
        .contentType("application/json")
        .deliveryMode(config.durable() ? 2 : 1)
        .messageId(Long.toString(e.seq()))
        .type(e.op().code)
        .timestamp(new Date(e.ts()))
        .headers(Map.of(SEQ_HEADER, Long.toString(e.seq()), "cluster", e.cluster()))
        .build();
  }

  private byte[] body(ChangeEvent e) {
    return config.format().equals("kubesys") ? e.toKubesysJson().getBytes(StandardCharsets.UTF_8) : e.toJsonBytes();
  }

  /** What went wrong, in words and without credentials (the broker's reply text, or the kind of network error). */
  static String summary(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ShutdownSignalException s && s.getReason() instanceof AMQP.Connection.Close c) {
        return "the broker closed the connection: " + c.getReplyText();
      }
      if (t instanceof ShutdownSignalException s && s.getReason() instanceof AMQP.Channel.Close c) {
        return "the broker closed the channel: " + c.getReplyText();
      }
      if (t instanceof AuthenticationFailureException) {
        return "login refused (check KB_RABBITMQ_USER and KB_RABBITMQ_PASSWORD)";
      }
      if (t instanceof ConnectException) {
        return "connection refused";
      }
      if (t instanceof UnknownHostException) {
        return "unknown host";
      }
      if (t instanceof java.net.SocketTimeoutException || t instanceof TimeoutException) {
        return "timed out";
      }
    }
    return e.getMessage() == null ? "failed" : e.getMessage();
  }

  @Override
  public void close() {
    running = false;
    signal.signal();
    if (thread != null) {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
