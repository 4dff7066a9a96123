package io.kubebackend.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock tests move by hand: the system clock plus an offset they push forward (to expire tokens, refill rate
 * limits), or, made with a start time, a clock that stands still until moved ({@link #set}, {@link #advance}).
 */
public final class MutableClock extends Clock {
  private final boolean fixed;
  private volatile Instant base;
  private volatile Duration offset = Duration.ZERO;

  /** The system clock, moved by {@link #advance}. */
  public MutableClock() {
    this.fixed = false;
  }

  /** A clock standing at {@code startMillis}. */
  public MutableClock(long startMillis) {
    this.fixed = true;
    this.base = Instant.ofEpochMilli(startMillis);
  }

  public void advance(Duration d) {
    offset = offset.plus(d);
  }

  public void advance(long ms) {
    advance(Duration.ofMillis(ms));
  }

  /** Sets a standing clock to {@code ms}. */
  public void set(long ms) {
    if (!fixed) {
      throw new IllegalStateException("only a clock made with a start time can be set");
    }
    base = Instant.ofEpochMilli(ms);
    offset = Duration.ZERO;
  }

  public void reset() {
    offset = Duration.ZERO;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Instant instant() {
    return (fixed ? base : Instant.now()).plus(offset);
  }
}
