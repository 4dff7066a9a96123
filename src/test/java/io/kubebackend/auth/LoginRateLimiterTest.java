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
      limiter.succeeded("user" + i);
    }
    AuthException e = assertThrows(AuthException.class, () -> limiter.acquire("10.0.0.1", "other"));
    assertEquals(429, e.status());
    limiter.acquire("10.0.0.2", "other");
    clock.advance(Duration.ofSeconds(20));
    limiter.acquire("10.0.0.1", "other");
  }

  @Test
  void onlyFailuresCountPerUser() {
    LoginRateLimiter limiter = new LoginRateLimiter(new RateLimit(1000, 60), new RateLimit(2, 600), clock);
    for (int i = 0; i < 10; i++) {
      limiter.acquire("a" + i, "alice");
      limiter.succeeded("alice");
    }
    limiter.acquire("b1", "alice");
    limiter.acquire("b2", "alice");
    assertEquals(429, assertThrows(AuthException.class, () -> limiter.acquire("b3", "alice")).status());
    limiter.acquire("b3", "bob");
    clock.advance(Duration.ofSeconds(300));
    limiter.acquire("b4", "alice");
  }

  @Test
  void aRefusedAttemptTakesNothing() {
    LoginRateLimiter limiter = new LoginRateLimiter(new RateLimit(1, 60), new RateLimit(1, 60), clock);
    limiter.acquire("addr", "u1");
    assertThrows(AuthException.class, () -> limiter.acquire("addr", "u2"));
    limiter.acquire("addr2", "u2");
  }
}
