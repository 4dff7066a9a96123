package io.kubebackend.auth;

import java.nio.charset.StandardCharsets;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/** Salted bcrypt hashes of passwords. bcrypt reads at most 72 bytes, so longer passwords are refused. */
public final class PasswordHasher {
  public static final int MIN_LENGTH = 8;
  public static final int MAX_BYTES = 72;

  private final BCryptPasswordEncoder bcrypt;
  /** Compared against when the user does not exist, so that a login takes as long either way. */
  private final String dummyHash;

  public PasswordHasher(int cost) {
    this.bcrypt = new BCryptPasswordEncoder(cost);
    this.dummyHash = bcrypt.encode("no such user, compared for constant time");
  }

  /** Hashes a new password after checking it is acceptable (400 otherwise). */
  public String hashNew(String password) {
    if (password == null || password.length() < MIN_LENGTH) {
      throw AuthException.badRequest("a password needs at least " + MIN_LENGTH + " characters");
    }
    if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw AuthException.badRequest("a password may have at most " + MAX_BYTES + " bytes (UTF-8)");
    }
    return bcrypt.encode(password);
  }

  /** Whether {@code password} matches {@code hash}; a null hash (unknown user) costs the same and fails. */
  public boolean matches(String password, String hash) {
    if (password == null || password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      bcrypt.matches("x", dummyHash);
      return false;
    }
    boolean ok = bcrypt.matches(password, hash != null ? hash : dummyHash);
    return ok && hash != null;
  }
}
