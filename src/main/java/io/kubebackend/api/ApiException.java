package io.kubebackend.api;

import io.kubebackend.auth.AuthException;
import java.util.Map;

/**
 * An API failure with its HTTP status. Thrown anywhere below the handlers; {@link HttpApi} turns every one into
 * the single JSON error shape of the native API, which is the Kubernetes {@code Status} (kubectl and client-go
 * read it under the per-cluster prefix, and every other native path answers the same way).
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

  /** An auth refusal in the native shape (reasons as the apiserver names them). */
  public static ApiException of(AuthException e) {
    return new ApiException(e.status(), reasonOf(e.status()), e.getMessage());
  }

  /** The Kubernetes {@code Status.reason} for an HTTP status. */
  public static String reasonOf(int status) {
    return switch (status) {
      case 400 -> "BadRequest";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "NotFound";
      case 405 -> "MethodNotAllowed";
      case 406 -> "NotAcceptable";
      case 409 -> "Conflict";
      case 410 -> "Expired";
      case 413 -> "RequestEntityTooLarge";
      case 414 -> "RequestURITooLong";
      case 415 -> "UnsupportedMediaType";
      case 422 -> "Invalid";
      case 429 -> "TooManyRequests";
      case 431 -> "RequestHeaderFieldsTooLarge";
      case 502 -> "BadGateway";
      case 503 -> "ServiceUnavailable";
      case 504 -> "Timeout";
      default -> status >= 500 ? "InternalError" : "BadRequest";
    };
  }

  /**
   * The one error body of the native API: a Kubernetes {@code Status},
   * {@code {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message","reason","code"}}.
   */
  public record Status(String kind, String apiVersion, Map<String, Object> metadata, String status, String message,
                       String reason, int code) {
    public static Status failure(int code, String reason, String message) {
      return new Status("Status", "v1", Map.of(), "Failure", message, reason, code);
    }
  }

  public Status body() {
    return Status.failure(status, reason, getMessage());
  }
}
