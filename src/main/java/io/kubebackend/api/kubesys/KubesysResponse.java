package io.kubebackend.api.kubesys;

/**
 * The body of every kubesys answer: {@code {"code":20000,"message":null,"data":<result>}} on success,
 * {@code {"code":<HTTP status * 100>,"message":"<why>","data":null}} on failure.
 */
public record KubesysResponse(int code, String message, Object data) {

  public static KubesysResponse ok(Object data) {
    return new KubesysResponse(20000, null, data);
  }

  public static KubesysResponse error(int status, String message) {
    return new KubesysResponse(status * 100, message, null);
  }
}
