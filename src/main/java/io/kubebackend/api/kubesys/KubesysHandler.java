package io.kubebackend.api.kubesys;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.kubebackend.auth.Authenticator;
import io.kubebackend.auth.Caller;

/**
 * A kubesys endpoint's work: returns the {@code data} of a success answer, or throws. {@link #handler} runs it
 * and writes the envelope; handlers that stream their answer themselves return {@link #STREAMED}.
 */
@FunctionalInterface
interface KubesysHandler {
  Object STREAMED = new Object();

  Object handle(Context ctx) throws Exception;

  static Handler handler(KubesysHandler body) {
    return ctx -> {
      try {
        Object data = body.handle(ctx);
        if (data != STREAMED) {
          ctx.json(KubesysResponse.ok(data));
        }
      } catch (Exception e) {
        KubesysErrors.respond(ctx, e);
      }
    };
  }

  /** The caller from the {@code authorization} and {@code user} headers (both required here); 401 otherwise. */
  static Caller caller(Context ctx, Authenticator authenticator) {
    return authenticator.authenticate(ctx.header("authorization"), ctx.header("user"),
        Authenticator.UserHeader.REQUIRED);
  }
}
