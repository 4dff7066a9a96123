package io.kubebackend.auth;

import io.kubebackend.config.BackendConfig.RateLimit;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Limits password checks (logins, and the current password when users change their own) with one token bucket per
 * client address (every attempt counts: bcrypt is expensive) and one per user name <em>and</em> client address
 * (only failures count, so scripts that log in often are not locked out). Keying failures by the pair keeps the
 * lockout proportionate: wrong passwords sent from one address lock that address out of that account, never the
 * account's owner elsewhere.
 *
 * <p>The buckets are rows in the database ({@link AuthStore#takeAttempt}), so every replica behind a load balancer
 * counts the same attempts: spreading guesses over replicas gains an attacker nothing. Buckets idle for longer than
 * their refill time are full again and deleted now and then, so random user names cannot grow the table without
 * bound.
 */
public final class LoginRateLimiter {
  /** Idle buckets are pruned once every this many attempts. */
  private static final int PRUNE_EVERY = 256;

  private final AuthStore store;
  private final RateLimit perAddress;
  private final RateLimit perUser;
  private final Clock clock;
  private final AtomicLong attempts = new AtomicLong();

  public LoginRateLimiter(AuthStore store, RateLimit perAddress, RateLimit perUser, Clock clock) {
    this.store = store;
    this.perAddress = perAddress;
    this.perUser = perUser;
    this.clock = clock;
  }

  /**
   * Takes one attempt from the address and reserves one from the user at that address, before the password is
   * checked. Throws 429 and takes nothing if either is used up.
   */
  public void acquire(String address, String user) {
    long now = clock.millis();
    if (attempts.incrementAndGet() % PRUNE_EVERY == 0) {
      long longest = Math.max(perAddress.seconds(), perUser.seconds()) * 1000L;
      store.deleteIdleBuckets(now - longest);
    }
    AuthStore.BucketLimit a = addressBucket(address);
    AuthStore.BucketLimit u = userBucket(user, address);
    long waitMs = store.takeAttempt(List.of(a, u), now);
    if (waitMs > 0) {
      throw AuthException.tooManyRequests("too many login attempts, try again in " + (waitMs + 999) / 1000 + " s");
    }
  }

  /** Gives the reserved attempt back: only failures count per user and address. */
  public void succeeded(String address, String user) {
    store.giveBackAttempt(userBucket(user, address));
  }

  private AuthStore.BucketLimit addressBucket(String address) {
    return limit("address\u0000" + address, perAddress);
  }

  private AuthStore.BucketLimit userBucket(String user, String address) {
    return limit("user\u0000" + user + "\u0000" + address, perUser);
  }

  /** The row key is a hash: names and addresses may hold what the database refuses (NUL), and are not needed. */
  private static AuthStore.BucketLimit limit(String key, RateLimit limit) {
    return new AuthStore.BucketLimit(Tokens.hash(key), limit.attempts() * 1000L, limit.attempts(), limit.seconds());
  }
}
