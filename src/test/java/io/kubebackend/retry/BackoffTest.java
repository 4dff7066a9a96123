package io.kubebackend.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.testing.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final MutableClock clock = new MutableClock();
  private final Backoff backoff = new Backoff(clock);

  private static void assertAround(long expectedMs, long actualMs) {
    assertTrue(actualMs >= expectedMs * 0.8 && actualMs <= expectedMs * 1.2, "expected about " + expectedMs
        + " ms (+-20%), got " + actualMs);
  }

  @Test
  void doublesFromTwoHundredMillisToThirtySecondsAndResets() {
    long[] expected = {200, 400, 800, 1_600, 3_200, 6_400, 12_800, 25_600, 30_000, 30_000};
    for (long e : expected) {
      assertAround(e, backoff.next());
    }
    backoff.reset();
    assertAround(200, backoff.next());
  }

  @Test
  void aWatchClosedSoonAfterItOpenedDoesNotReset() {
    for (int i = 0; i < 5; i++) {
      backoff.next();
    }
    backoff.started();
    clock.advance(Duration.ofSeconds(59));
    backoff.ended();
    assertAround(6_400, backoff.next());
  }

  @Test
  void aWatchOpenForAMinuteResets() {
    for (int i = 0; i < 5; i++) {
      backoff.next();
    }
    backoff.started();
    clock.advance(Duration.ofSeconds(60));
    backoff.ended();
    assertAround(200, backoff.next());
  }

  @Test
  void anEndWithoutAStartDoesNotReset() {
    backoff.next();
    backoff.started();
    clock.advance(Duration.ofMinutes(5));
    backoff.ended();
    backoff.next();
    clock.advance(Duration.ofMinutes(5));
    backoff.ended(); // no started() since the last end: nothing proved healthy
    assertAround(400, backoff.next());
  }

  @Test
  void retryAfterIsAFloorBoundedByTheCap() {
    assertEquals(5_000, backoff.next(Duration.ofSeconds(5)), "the server's estimate, above the own 200 ms");
    assertEquals(30_000, backoff.next(Duration.ofHours(1)), "an hour is capped at 30 s");
    assertAround(800, backoff.next(Duration.ZERO));
  }
}
