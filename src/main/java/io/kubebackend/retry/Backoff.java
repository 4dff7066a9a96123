package io.kubebackend.retry;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter for retries, relists and re-watches.
 *
 * <p>Callers whose success is instant (a committed batch, a finished discovery) {@link #reset} on success. A watch's
 * success is not its start: an apiserver that accepts a watch and closes it at once (overloaded, a proxy cutting
 * long requests) looks healthy at every start. So around a watch the caller says {@link #started} and
 * {@link #ended}, and the backoff resets only when the watch stayed open {@link #HEALTHY_MS}, as client-go's
 * reflector resets its backoff only after two minutes without a failure.
 */
public final class Backoff {
  // 200 ms is short enough that a single dropped connection costs little; 30 s caps the retry rate of a
  // cluster that is down to two requests a minute per resource.
  static final long INITIAL_MS = 200;
  static final long MAX_MS = 30_000;
  /**
   * A watch open this long had its connection, authentication and the apiserver's watch cache working, so its end
   * is a normal one (the apiserver ends every watch after 30 to 60 minutes). An apiserver that closes watches
   * sooner keeps the delays growing to {@link #MAX_MS}; one that closes them later than this costs one re-watch a
   * minute per resource at most. Either way at most about one attempt a minute per resource while it misbehaves.
   */
  static final long HEALTHY_MS = 60_000;

  private final Clock clock;
  private long nextMs = INITIAL_MS;
  private long startedMs = -1;

  public Backoff() {
    this(Clock.systemUTC());
  }

  public Backoff(Clock clock) {
    this.clock = clock;
  }

  /** The delay to wait now; the next one doubles, up to the cap. Jitter of +-20% spreads many resources. */
  public long next() {
    long d = nextMs;
    nextMs = Math.min(MAX_MS, nextMs * 2);
    double jitter = 0.8 + ThreadLocalRandom.current().nextDouble() * 0.4;
    return (long) (d * jitter);
  }

  /**
   * Like {@link #next()}, but at least what the server asked for (a 429's or 503's Retry-After), bounded by the
   * cap: a server's estimate is honoured, a server asking for an hour is not.
   */
  public long next(Duration retryAfter) {
    long own = next();
    return Math.max(own, Math.min(MAX_MS, retryAfter.toMillis()));
  }

  public void reset() {
    nextMs = INITIAL_MS;
  }

  /** A watch (or any long-lived success) has just started. */
  public void started() {
    startedMs = clock.millis();
  }

  /** The watch {@link #started} has ended: the backoff resets if it stayed open at least {@link #HEALTHY_MS}. */
  public void ended() {
    if (startedMs >= 0 && clock.millis() - startedMs >= HEALTHY_MS) {
      reset();
    }
    startedMs = -1;
  }
}
