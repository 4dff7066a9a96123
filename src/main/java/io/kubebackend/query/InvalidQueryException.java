package io.kubebackend.query;

/**
 * A query the caller got wrong (syntax, unknown name, value out of range). The message names the problem and is
 * meant for the caller; the HTTP layer answers it with 400 Bad Request.
 */
public final class InvalidQueryException extends RuntimeException {
  public InvalidQueryException(String message) {
    super(message);
  }
}
