package io.kubebackend.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubebackend.config.BackendConfig.RateLimit;
import io.kubebackend.testing.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoginRateLimiterTest {
  private final MutableClock clock = new MutableClock();

  @Test
  void everyAttemptCountsPerAddress() {
    LoginRateLimiter limiter = new LoginRateLimiter(new RateLimit(3, 60), new RateLimit(100, 60), clock);
    for (int i = 0; i < 3; i++) {
      limiter.acquire("10.0.0.1", "user" + i);
      limiter.succeeded("10.0.0.1", "user" + i);
    }
    AuthException e = assertThrows(AuthException.class, () -> limiter.acquire("10.0.0.1", "other"));
    assertEquals(429, e.status());
    limiter.acquire("10.0.0.2", "other");
    clock.advance(Duration.ofSeconds(20));
    limiter.acquire("10.0.0.1", "other");
  }

  @Test
  void onlyFailuresCountPerUserAndAddress() {
    LoginRateLimiter limiter = new LoginRateLimiter(new RateLimit(1000, 60), new RateLimit(2, 600), clock);
    for (int i = 0; i < 10; i++) {
      limiter.acquire("a", "alice");
      limiter.succeeded("a", "alice");
    }
    limiter.acquire("b", "alice");
    limiter.acquire("b", "alice");
    assertEquals(429, assertThrows(AuthException.class, () -> limiter.acquire("b", "alice")).status());
    limiter.acquire("b", "bob");
    clock.advance(Duration.ofSeconds(300));
    limiter.acquire("b", "alice");
  }

  @Test
  void wrongPasswordsFromOneAddressDoNotLockTheUserOutElsewhere() {
    LoginRateLimiter limiter = new LoginRateLimiter(new RateLimit(1000, 60), new RateLimit(1, 600), clock);
    limiter.acquire("attacker", "alice");
    assertEquals(429, assertThrows(AuthException.class, () -> limiter.acquire("attacker", "alice")).status());
    limiter.acquire("owner", "alice");
    limiter.succeeded("owner", "alice");
    limiter.acquire("owner", "alice");
  }

  @Test
  void aRefusedAttemptTakesNothing() {
    LoginRateLimiter limiter = new LoginRateLimiter(new RateLimit(1, 60), new RateLimit(1, 60), clock);
    limiter.acquire("addr", "u1");
    assertThrows(AuthException.class, () -> limiter.acquire("addr", "u2"));
    limiter.acquire("addr2", "u2");
  }
}
