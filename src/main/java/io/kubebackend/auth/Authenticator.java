package io.kubebackend.auth;

import java.time.Clock;
import java.util.Locale;

/**
 * Turns the request headers {@code authorization: Bearer <token>} and {@code user: <name>} into a {@link Caller},
 * or refuses with 401. Reads only: a refused request changes nothing. Shared by every API (the kubesys API
 * requires the {@code user} header; the native API accepts it when it matches).
 */
public final class Authenticator {
  /** Longer values are not tokens this server issued; refused before hashing. */
  private static final int MAX_TOKEN_LENGTH = 256;

  /** Whether the {@code user} header must be sent. When sent, it must name the token's owner either way. */
  public enum UserHeader { REQUIRED, OPTIONAL }

  private final AuthStore store;
  private final Clock clock;

  public Authenticator(AuthStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /**
   * @param authorization the {@code authorization} header, or null
   * @param user          the {@code user} header, or null
   * @throws AuthException 401 for a missing, malformed, unknown, expired or revoked token, or a user mismatch
   */
  public Caller authenticate(String authorization, String user, UserHeader userHeader) {
    String token = bearerToken(authorization);
    if (user == null || user.isBlank()) {
      if (userHeader == UserHeader.REQUIRED) {
        throw AuthException.unauthenticated("missing header user: <name>");
      }
      user = null;
    }
    String hash = Tokens.hash(token);
    AuthStore.TokenRow row = store.token(hash)
        .orElseThrow(() -> AuthException.unauthenticated("invalid or revoked token, log in again"));
    if (row.expiresMs() <= clock.millis()) {
      throw AuthException.unauthenticated("token expired, log in again");
    }
    if (user != null && !user.equals(row.user())) {
      throw AuthException.unauthenticated("the token does not belong to user " + user);
    }
    return new Caller(row.user(), row.role(), store.grants(row.role()), hash);
  }

  static String bearerToken(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw AuthException.unauthenticated("missing header authorization: Bearer <token>");
    }
    String value = authorization.strip();
    int space = value.indexOf(' ');
    if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
      throw AuthException.unauthenticated("the authorization header must be: Bearer <token>");
    }
    String token = value.substring(space + 1).strip();
    if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
      throw AuthException.unauthenticated("invalid or revoked token, log in again");
    }
    return token;
  }
}
