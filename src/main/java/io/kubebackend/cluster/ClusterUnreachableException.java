package io.kubebackend.cluster;

/** A cluster's apiserver could not be asked; the message is a {@link FailureSummary}, safe to show. */
public final class ClusterUnreachableException extends RuntimeException {
  private final String cluster;

  public ClusterUnreachableException(String cluster, Throwable cause) {
    super("cluster " + cluster + " did not answer: " + FailureSummary.of(cause), cause);
    this.cluster = cluster;
  }

  public String cluster() {
    return cluster;
  }
}
