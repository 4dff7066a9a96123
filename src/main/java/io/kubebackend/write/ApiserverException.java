package io.kubebackend.write;

import io.kubebackend.cluster.FailureSummary;

/**
 * A write the apiserver refused, or could not be asked. {@link #status()} is what the caller should see: the
 * apiserver's own 4xx (bad request, forbidden, not found, conflict, invalid...) passes through; its 5xx, a
 * refusal of kube-backend's own credentials (401) and connection failures become 502. The message is safe to
 * show: the apiserver's Status message, or a {@link FailureSummary}.
 */
public final class ApiserverException extends RuntimeException {
  private final int status;
  private final String reason;

  public ApiserverException(int status, String reason, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.reason = reason;
  }

  public int status() {
    return status;
  }

  /** The apiserver's {@code Status.reason} (e.g. {@code AlreadyExists}), or a reason of ours. */
  public String reason() {
    return reason;
  }

  /** Maps an apiserver response code to the status shown to the caller. */
  static int callerStatus(int apiserverCode) {
    if (apiserverCode >= 400 && apiserverCode < 500 && apiserverCode != 401 && apiserverCode != 407) {
      return apiserverCode;
    }
    return 502;
  }

  public static ApiserverException unreachable(String cluster, Throwable cause) {
    return new ApiserverException(502, "BadGateway", "cluster " + cluster + " did not answer: "
        + FailureSummary.of(cause), cause);
  }
}
