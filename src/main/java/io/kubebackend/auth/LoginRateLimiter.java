package io.kubebackend.auth;

import io.kubebackend.config.BackendConfig.RateLimit;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Limits password checks (logins, and the current password when users change their own) with one token bucket per
 * client address (every attempt counts: bcrypt is expensive) and one per user name <em>and</em> client address
 * (only failures count, so scripts that log in often are not locked out). Keying failures by the pair keeps the
 * lockout proportionate: wrong passwords sent from one address lock that address out of that account, never the
 * account's owner elsewhere. In memory, per process. Buckets that have refilled are forgotten once there are many,
 * so random user names cannot grow memory without bound.
 */
public final class LoginRateLimiter {
  /** Above this many tracked keys, full (idle) buckets are dropped. */
  private static final int PRUNE_ABOVE = 10_000;

  private final RateLimit perAddress;
  private final RateLimit perUser;
  private final Clock clock;
  private final Map<String, Bucket> addresses = new HashMap<>();
  private final Map<String, Bucket> users = new HashMap<>();

  public LoginRateLimiter(RateLimit perAddress, RateLimit perUser, Clock clock) {
    this.perAddress = perAddress;
    this.perUser = perUser;
    this.clock = clock;
  }

  /**
   * Takes one attempt from the address and reserves one from the user at that address, before the password is
   * checked. Throws 429 and takes nothing if either is used up.
   */
  public synchronized void acquire(String address, String user) {
    long now = clock.millis();
    Bucket a = bucket(addresses, address, perAddress, now);
    Bucket u = bucket(users, pair(user, address), perUser, now);
    if (a.tokens < 1 || u.tokens < 1) {
      long waitMs = Math.max(a.msUntilOne(perAddress), u.msUntilOne(perUser));
      throw AuthException.tooManyRequests("too many login attempts, try again in " + (waitMs + 999) / 1000 + " s");
    }
    a.tokens -= 1;
    u.tokens -= 1;
  }

  /** Gives the reserved attempt back: only failures count per user and address. */
  public synchronized void succeeded(String address, String user) {
    Bucket u = users.get(pair(user, address));
    if (u != null) {
      u.tokens = Math.min(perUser.attempts(), u.tokens + 1);
    }
  }

  private static String pair(String user, String address) {
    return user + "\u0000" + address;
  }

  private Bucket bucket(Map<String, Bucket> map, String key, RateLimit limit, long now) {
    if (map.size() > PRUNE_ABOVE) {
      map.values().removeIf(b -> {
        b.refill(limit, now);
        return b.tokens >= limit.attempts();
      });
    }
    Bucket b = map.computeIfAbsent(key, k -> new Bucket(limit.attempts(), now));
    b.refill(limit, now);
    return b;
  }

  /** Attempts left ({@code tokens}), refilled continuously at {@code attempts / seconds}. */
  private static final class Bucket {
    double tokens;
    long lastMs;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.lastMs = now;
    }

    void refill(RateLimit limit, long now) {
      double perMs = limit.attempts() / (limit.seconds() * 1000.0);
      tokens = Math.min(limit.attempts(), tokens + Math.max(0, now - lastMs) * perMs);
      lastMs = now;
    }

    long msUntilOne(RateLimit limit) {
      double perMs = limit.attempts() / (limit.seconds() * 1000.0);
      return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perMs);
    }
  }
}
