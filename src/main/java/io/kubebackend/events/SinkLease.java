package io.kubebackend.events;

import io.kubebackend.store.Leases;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several replicas on one database: the sinks run on exactly one of them, the holder of the {@code sinks} lease.
 * The others keep a {@link Standby} in their place, which shows the stored position and who publishes. When the
 * holder stops cleanly it releases the lease and another replica starts its sinks within a round; when it dies,
 * within the lease's time to live. Two publishers for a moment (a paused holder waking up) cannot interleave on
 * Kafka: the new one's producer fences the old one's (same {@code transactional.id}); on RabbitMQ such a moment
 * can repeat events, never lose them (each resumes from the stored position).
 */
final class SinkLease implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SinkLease.class);
  private static final String NAME = Leases.SINKS;
  private static final Duration TICK = Duration.ofSeconds(1);

  private final String replicaId;
  private final Leases leases;
  private final Duration ttl;
  private final List<Standby> sinks;
  private volatile long epoch = -1;
  private volatile boolean running = true;
  private final Thread thread;

  SinkLease(String replicaId, Leases leases, Duration ttl, List<Standby> sinks) {
    this.replicaId = replicaId;
    this.leases = leases;
    this.ttl = ttl;
    this.sinks = sinks;
    this.thread = Thread.ofPlatform().name("sink-lease").daemon().start(this::run);
  }

  private void run() {
    while (running) {
      try {
        round();
      } catch (RuntimeException e) {
        log.warn("replica {}: sink lease round failed: {}", replicaId, e.getMessage());
      }
      try {
        Thread.sleep(TICK.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private synchronized void round() {
    if (!running) {
      return;
    }
    if (epoch >= 0) {
      if (!leases.renew(NAME, replicaId, epoch, ttl)) {
        log.warn("replica {}: lost the sink lease (epoch {}); its sinks stop", replicaId, epoch);
        epoch = -1;
        sinks.forEach(Standby::deactivate);
      }
      return;
    }
    String holder = leases.holder(NAME).orElse(null);
    sinks.forEach(s -> s.publishedBy(holder));
    if (holder == null) {
      OptionalLong taken = leases.acquire(NAME, replicaId, ttl);
      if (taken.isPresent()) {
        epoch = taken.getAsLong();
        log.info("replica {}: publishes the outbox (sink lease epoch {})", replicaId, epoch);
        sinks.forEach(Standby::activate);
      }
    }
  }

  /** Stops the sinks here (each stores its position) and releases the lease for the next replica. */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      sinks.forEach(Standby::deactivate);
      if (epoch >= 0) {
        try {
          leases.release(NAME, replicaId, epoch);
        } catch (RuntimeException e) {
          log.warn("replica {}: could not release the sink lease (it expires by itself): {}", replicaId, e.getMessage());
        }
        epoch = -1;
      }
    }
  }

  /**
   * A sink in a replica that may or may not publish: the running sink while this replica holds the lease, else its
   * stored position and who publishes instead.
   */
  static final class Standby implements OutboxSink {
    private final String kind;
    private final String destination;
    private final PublishProgress progress;
    private final Supplier<OutboxSink> start;
    private volatile OutboxSink active;
    private volatile String publishedBy;

    Standby(String kind, String destination, PublishProgress progress, Supplier<OutboxSink> start) {
      this.kind = kind;
      this.destination = destination;
      this.progress = progress;
      this.start = start;
    }

    synchronized void activate() {
      if (active == null) {
        active = start.get();
      }
    }

    synchronized void deactivate() {
      OutboxSink s = active;
      active = null;
      if (s != null) {
        s.close();
      }
    }

    void publishedBy(String replica) {
      this.publishedBy = replica;
    }

    /** The running sink, or null on a replica that does not publish. */
    OutboxSink active() {
      return active;
    }

    @Override
    public String kind() {
      return kind;
    }

    @Override
    public String destination() {
      return destination;
    }

    @Override
    public long acked() {
      OutboxSink s = active;
      return s != null ? s.acked() : progress.position();
    }

    @Override
    public PublishProgress progress() {
      return progress;
    }

    @Override
    public String lastError() {
      OutboxSink s = active;
      if (s != null) {
        return s.lastError();
      }
      String by = publishedBy;
      return by == null ? "standby: no replica publishes right now" : "standby: replica " + by + " publishes";
    }

    @Override
    public void close() {
      deactivate();
    }
  }
}
