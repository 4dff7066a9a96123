package io.kubebackend.auth;

/**
 * A refused authentication, authorization or user-management request. Each API maps {@link #status()} to its own
 * error shape; the message never contains a password or a token.
 */
public final class AuthException extends RuntimeException {

  /** Why the request was refused, with the HTTP status it stands for. */
  public enum Reason {
    BAD_REQUEST(400),
    /** No, wrong, expired or revoked token, a {@code user} that does not own it, or a wrong password. */
    UNAUTHENTICATED(401),
    /** Authenticated, but the role does not allow it. */
    FORBIDDEN(403),
    NOT_FOUND(404),
    CONFLICT(409),
    /** Too many login attempts. */
    TOO_MANY_REQUESTS(429);

    public final int status;

    Reason(int status) {
      this.status = status;
    }
  }

  private final Reason reason;

  public AuthException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  public int status() {
    return reason.status;
  }

  public static AuthException badRequest(String message) {
    return new AuthException(Reason.BAD_REQUEST, message);
  }

  public static AuthException unauthenticated(String message) {
    return new AuthException(Reason.UNAUTHENTICATED, message);
  }

  public static AuthException forbidden(String message) {
    return new AuthException(Reason.FORBIDDEN, message);
  }

  public static AuthException notFound(String message) {
    return new AuthException(Reason.NOT_FOUND, message);
  }

  public static AuthException conflict(String message) {
    return new AuthException(Reason.CONFLICT, message);
  }

  public static AuthException tooManyRequests(String message) {
    return new AuthException(Reason.TOO_MANY_REQUESTS, message);
  }
}
