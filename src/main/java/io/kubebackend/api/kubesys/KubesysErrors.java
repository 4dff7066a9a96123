package io.kubebackend.api.kubesys;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.kubebackend.api.RequestBodies;
import io.kubebackend.auth.AuthException;
import io.kubebackend.cluster.ClusterUnreachableException;
import io.kubebackend.store.StoreException;
import io.kubebackend.write.ApiserverException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures of kubesys endpoints become HTTP statuses and the kubesys error body
 * ({@link KubesysResponse#error}). Every kubesys handler's exception ends here.
 */
final class KubesysErrors {
  private static final Logger log = LoggerFactory.getLogger(KubesysErrors.class);

  /** A failure as the client sees it. */
  record Failure(int status, String message) {}

  private KubesysErrors() {}

  static Failure classify(Throwable e) {
    return switch (e) {
      case KubesysException k -> new Failure(k.status(), k.getMessage());
      case AuthException a -> new Failure(a.status(), a.getMessage());
      case ApiserverException a -> new Failure(a.status(), a.getMessage());
      case JsonProcessingException j -> new Failure(400, RequestBodies.describe(j));
      case ClusterUnreachableException c -> new Failure(502, c.getMessage());
      case HttpResponseException h -> new Failure(h.getStatus(), h.getMessage());
      case StoreException s when s.retriable() -> new Failure(503, "the database is busy, try again");
      default -> new Failure(500, "internal error, see the server log");
    };
  }

  static void respond(Context ctx, Throwable e) {
    Failure f = classify(e);
    if (f.status() == 500 || f.status() == 503) {
      log.error("{} {} failed", ctx.method(), ctx.path(), e);
    }
    if (ctx.res().isCommitted()) {
      return; // a streamed answer already started; the client sees it cut short
    }
    if (f.status() == 401) {
      ctx.header("WWW-Authenticate", "Bearer");
    }
    ctx.status(f.status()).json(KubesysResponse.error(f.status(), f.message()));
  }
}
