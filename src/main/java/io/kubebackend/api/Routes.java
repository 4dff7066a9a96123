package io.kubebackend.api;

import io.javalin.Javalin;

/**
 * A group of HTTP endpoints (native objects, kubesys compatibility, event stream, ...). Each feature owns its
 * routes; {@link HttpApi} only installs them next to the shared error handling.
 */
public interface Routes {
  void register(Javalin app);

  /** Called when the API stops, before the server does: ends long-running answers (streams). */
  default void stop() {}
}
