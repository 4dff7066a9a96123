package io.kubebackend.api;

/**
 * An API failure with its HTTP status. Thrown anywhere below the handlers; {@link HttpApi} turns every one into
 * the single JSON error shape {@code {"status":..., "reason":..., "message":...}}.
 */
public class ApiException extends RuntimeException {
  private final int status;
  private final String reason;

  public ApiException(int status, String reason, String message) {
    super(message);
    this.status = status;
    this.reason = reason;
  }

  public int status() {
    return status;
  }

  public String reason() {
    return reason;
  }

  public static ApiException badRequest(String message) {
    return new ApiException(400, "BadRequest", message);
  }

  public static ApiException notFound(String message) {
    return new ApiException(404, "NotFound", message);
  }

  public static ApiException conflict(String message) {
    return new ApiException(409, "AlreadyExists", message);
  }

  /** The one error body of the native API. */
  public record Body(int status, String reason, String message) {}

  public Body body() {
    return new Body(status, reason, getMessage());
  }
}
