package io.kubebackend.auth;

import java.time.Clock;
import java.time.Duration;

/**
 * Login (password -> bearer token) and logout (token revoked). Tokens are random, stored as SHA-256 only, and
 * expire after the configured time.
 */
public final class Logins {
  /** Longer user names cannot exist; they are cut before becoming a rate-limit key. */
  private static final int MAX_NAME = 64;

  private final AuthStore store;
  private final PasswordHasher hasher;
  private final LoginRateLimiter limiter;
  private final Duration tokenTtl;
  private final Clock clock;

  public Logins(AuthStore store, PasswordHasher hasher, LoginRateLimiter limiter, Duration tokenTtl, Clock clock) {
    this.store = store;
    this.hasher = hasher;
    this.limiter = limiter;
    this.tokenTtl = tokenTtl;
    this.clock = clock;
  }

  /**
   * Checks the password and issues a token.
   *
   * @throws AuthException 401 for an unknown user or a wrong password (the same message for both), 429 when the
   *                       address or the user has made too many attempts
   */
  public String login(String user, String password, String clientAddress) {
    String key = user.length() > MAX_NAME ? user.substring(0, MAX_NAME) : user;
    limiter.acquire(clientAddress, key);
    // A name no user can have is not looked up (it may hold what the database refuses, such as NUL).
    String hash = UserAdmin.validUserName(user)
        ? store.user(user).map(AuthStore.UserRow::passwordHash).orElse(null) : null;
    if (!hasher.matches(password, hash)) {
      throw AuthException.unauthenticated("wrong user name or password");
    }
    limiter.succeeded(clientAddress, key);
    long now = clock.millis();
    store.deleteExpiredTokens(now);
    String token = Tokens.newToken();
    store.insertToken(Tokens.hash(token), user, now, now + tokenTtl.toMillis());
    return token;
  }

  /** Revokes the token the caller authenticated with. */
  public void logout(Caller caller) {
    store.deleteToken(caller.tokenHash());
  }
}
