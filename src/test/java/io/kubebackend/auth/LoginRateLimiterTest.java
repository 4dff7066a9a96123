package io.kubebackend.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.config.BackendConfig.RateLimit;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.MutableClock;
import io.kubebackend.testing.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The login buckets on SQLite; {@code PostgresLoginRateLimiterIT} runs the same tests on PostgreSQL. */
class LoginRateLimiterTest {
  private final MutableClock clock = new MutableClock();
  private Database db;
  private AuthStore store;

  Dialect dialect() {
    return Dialect.SQLITE;
  }

  @BeforeEach
  void openDatabase() {
    db = TestDatabases.fresh(dialect());
    store = new AuthStore(db);
  }

  @AfterEach
  void closeDatabase() {
    db.close();
  }

  private LoginRateLimiter limiter(RateLimit perAddress, RateLimit perUser) {
    return new LoginRateLimiter(store, perAddress, perUser, clock);
  }

  @Test
  void everyAttemptCountsPerAddress() {
    LoginRateLimiter limiter = limiter(new RateLimit(3, 60), new RateLimit(100, 60));
    for (int i = 0; i < 3; i++) {
      limiter.acquire("10.0.0.1", "user" + i);
      limiter.succeeded("10.0.0.1", "user" + i);
    }
    AuthException e = assertThrows(AuthException.class, () -> limiter.acquire("10.0.0.1", "other"));
    assertEquals(429, e.status());
    assertTrue(e.getMessage().contains("try again in 20 s"), e.getMessage());
    limiter.acquire("10.0.0.2", "other");
    clock.advance(Duration.ofSeconds(19));
    assertThrows(AuthException.class, () -> limiter.acquire("10.0.0.1", "other"));
    clock.advance(Duration.ofSeconds(1));
    limiter.acquire("10.0.0.1", "other");
  }

  @Test
  void onlyFailuresCountPerUserAndAddress() {
    LoginRateLimiter limiter = limiter(new RateLimit(1000, 60), new RateLimit(2, 600));
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
    LoginRateLimiter limiter = limiter(new RateLimit(1000, 60), new RateLimit(1, 600));
    limiter.acquire("attacker", "alice");
    assertEquals(429, assertThrows(AuthException.class, () -> limiter.acquire("attacker", "alice")).status());
    limiter.acquire("owner", "alice");
    limiter.succeeded("owner", "alice");
    limiter.acquire("owner", "alice");
  }

  @Test
  void aRefusedAttemptTakesNothing() {
    // The user's bucket refuses after the address's was taken from: that take is rolled back with it.
    LoginRateLimiter limiter = limiter(new RateLimit(2, 60), new RateLimit(1, 600));
    limiter.acquire("addr", "u");
    assertEquals(429, assertThrows(AuthException.class, () -> limiter.acquire("addr", "u")).status());
    limiter.acquire("addr", "v");
    assertEquals(429, assertThrows(AuthException.class, () -> limiter.acquire("addr", "w")).status(),
        "the address's two attempts are used: by u and by v, not by the refused one");
  }

  @Test
  void twoProcessesShareTheBuckets() {
    // Two limiters on one database stand for two replicas: the attempts made through one count on the other.
    LoginRateLimiter a = limiter(new RateLimit(4, 60), new RateLimit(100, 60));
    LoginRateLimiter b = limiter(new RateLimit(4, 60), new RateLimit(100, 60));
    a.acquire("10.1.1.1", "x");
    b.acquire("10.1.1.1", "x");
    a.acquire("10.1.1.1", "x");
    b.acquire("10.1.1.1", "x");
    assertEquals(429, assertThrows(AuthException.class, () -> a.acquire("10.1.1.1", "x")).status());
    assertEquals(429, assertThrows(AuthException.class, () -> b.acquire("10.1.1.1", "x")).status());
  }

  @Test
  void concurrentAttemptsNeverTakeMoreThanTheBucketHolds() throws Exception {
    int limit = 7;
    int threads = 8;
    int each = 5;
    LoginRateLimiter limiter = limiter(new RateLimit(limit, 3600), new RateLimit(1000, 3600));
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> granted = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      for (int t = 0; t < threads; t++) {
        granted.add(pool.submit(() -> {
          start.await();
          int ok = 0;
          for (int i = 0; i < each; i++) {
            try {
              limiter.acquire("10.9.9.9", "someone");
              ok++;
            } catch (AuthException e) {
              assertEquals(429, e.status());
            }
          }
          return ok;
        }));
      }
      start.countDown();
      int total = 0;
      for (Future<Integer> f : granted) {
        total += f.get();
      }
      assertEquals(limit, total, "attempts granted out of " + threads * each);
    }
  }

  @Test
  void oddNamesAreKeysLikeAnyOther() {
    LoginRateLimiter limiter = limiter(new RateLimit(1000, 60), new RateLimit(1, 600));
    String nul = "a\u0000b";
    limiter.acquire("addr", nul);
    assertEquals(429, assertThrows(AuthException.class, () -> limiter.acquire("addr", nul)).status());
    limiter.acquire("addr", "a");
  }

  @Test
  void idleBucketsArePruned() throws Exception {
    LoginRateLimiter limiter = limiter(new RateLimit(1000, 60), new RateLimit(10, 600));
    for (int i = 0; i < 200; i++) {
      limiter.acquire("addr", "random-" + i);
    }
    assertEquals(201, buckets());
    clock.advance(Duration.ofSeconds(601));
    for (int i = 0; i < 56; i++) {
      limiter.acquire("addr", "later-" + i);
    }
    // The 256th attempt pruned every bucket idle for longer than the longest refill time (600 s).
    assertTrue(buckets() <= 57, "buckets left: " + buckets());
  }

  private long buckets() throws Exception {
    try (Connection c = db.connection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM auth_login_buckets")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
