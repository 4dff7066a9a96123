package io.kubebackend.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Polls a condition until it holds or the timeout passes; the failure names what was awaited. */
public final class Await {
  private Await() {}

  public static void until(Duration timeout, String what, Supplier<Boolean> condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (Boolean.TRUE.equals(condition.get())) {
          return;
        }
        last = null;
      } catch (RuntimeException e) {
        last = e;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while awaiting " + what, e);
      }
    }
    throw new AssertionError("timed out after " + timeout.toSeconds() + " s awaiting " + what, last);
  }

  /** Like {@link #until} and returns how long it took, in milliseconds. */
  public static long millisUntil(Duration timeout, String what, Supplier<Boolean> condition) {
    long t0 = System.nanoTime();
    until(timeout, what, condition);
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
