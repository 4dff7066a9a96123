package io.kubebackend.api.kubesys;

/** A kubesys request refused by the kubesys layer itself (bad input, unknown region or kind), with its status. */
public final class KubesysException extends RuntimeException {
  private final int status;

  public KubesysException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }

  public static KubesysException badRequest(String message) {
    return new KubesysException(400, message);
  }

  public static KubesysException notFound(String message) {
    return new KubesysException(404, message);
  }
}
