package io.kubebackend.mirror;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void growsToTheCapAndResets() {
    Backoff b = new Backoff();
    long first = b.next();
    assertTrue(first >= Backoff.INITIAL_MS * 0.8 && first <= Backoff.INITIAL_MS * 1.2, "first " + first);
    long last = 0;
    for (int i = 0; i < 20; i++) {
      last = b.next();
    }
    assertTrue(last <= Backoff.MAX_MS * 1.2 && last >= Backoff.MAX_MS * 0.8, "capped " + last);
    b.reset();
    assertTrue(b.next() <= Backoff.INITIAL_MS * 1.2);
  }
}
