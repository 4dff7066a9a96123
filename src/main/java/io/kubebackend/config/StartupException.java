package io.kubebackend.config;

/**
 * kube-backend cannot start, for a reason the operator fixes: a setting, a configuration file, the database. Its
 * message is one line that says what is wrong and what to change; {@code serve} prints it instead of a stack trace.
 */
public final class StartupException extends RuntimeException {
  public StartupException(String message) {
    super(message);
  }

  public StartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
