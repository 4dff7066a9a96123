package io.kubebackend.auth;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * Salted bcrypt hashes of passwords (Spring Security's {@link BCrypt}; its encoder class would pull in
 * commons-logging). bcrypt reads at most 72 bytes, so longer passwords are refused.
 */
public final class PasswordHasher {
  public static final int MIN_LENGTH = 8;
  public static final int MAX_BYTES = 72;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final int cost;
  /** Compared against when the user does not exist, so that a login takes as long either way. */
  private final String dummyHash;

  public PasswordHasher(int cost) {
    this.cost = cost;
    this.dummyHash = encode("no such user, compared for constant time");
  }

  /** What is wrong with a new password, as the end of a sentence ("must have ..."), or null if it is acceptable. */
  public static String problem(String password) {
    if (password == null || password.length() < MIN_LENGTH) {
      return "must have at least " + MIN_LENGTH + " characters";
    }
    if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return "may have at most " + MAX_BYTES + " bytes (UTF-8)";
    }
    return null;
  }

  /** Hashes a new password after checking it is acceptable (400 otherwise). */
  public String hashNew(String password) {
    String problem = problem(password);
    if (problem != null) {
      throw AuthException.badRequest("a password " + problem);
    }
    return encode(password);
  }

  private String encode(String password) {
    return BCrypt.hashpw(password, BCrypt.gensalt(cost, RANDOM));
  }

  /** Whether {@code password} matches {@code hash}; a null hash (unknown user) costs the same and fails. */
  public boolean matches(String password, String hash) {
    if (password == null || password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      BCrypt.checkpw("x", dummyHash);
      return false;
    }
    boolean ok;
    try {
      ok = BCrypt.checkpw(password, hash != null ? hash : dummyHash);
    } catch (IllegalArgumentException e) {
      ok = false; // a stored value that is not a bcrypt hash never matches
    }
    return ok && hash != null;
  }
}
