package io.kubebackend.mirror;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter for relists and reconnects. Reset only after a list and watch both succeeded,
 * so a cluster that fails right after each list does not hammer the apiserver.
 */
public final class Backoff {
  // 200 ms is short enough that a single dropped connection costs little; 30 s caps the retry rate of a
  // cluster that is down to two requests a minute per resource.
  static final long INITIAL_MS = 200;
  static final long MAX_MS = 30_000;

  private long nextMs = INITIAL_MS;

  /** The delay to wait now; the next one doubles, up to the cap. Jitter of +-20% spreads many resources. */
  public long next() {
    long d = nextMs;
    nextMs = Math.min(MAX_MS, nextMs * 2);
    double jitter = 0.8 + ThreadLocalRandom.current().nextDouble() * 0.4;
    return (long) (d * jitter);
  }

  public void reset() {
    nextMs = INITIAL_MS;
  }
}
