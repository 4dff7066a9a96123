package io.kubebackend.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Set;

/**
 * Lets browsers on the configured origins call the API (both the kubesys and the native one). Requests carry a
 * bearer token in a header, never cookies, so credentials mode is not enabled. {@code "*"} allows any origin.
 */
public final class Cors implements Routes {
  // "token" only for the kubesys frontend's logout (KubesysSystemRoutes).
  private static final String ALLOWED_HEADERS = "authorization, user, content-type, token";
  private static final String ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";

  private final Set<String> origins;
  private final boolean anyOrigin;

  public Cors(List<String> origins) {
    this.origins = Set.copyOf(origins);
    this.anyOrigin = origins.contains("*");
  }

  @Override
  public void register(Javalin app) {
    if (origins.isEmpty()) {
      return;
    }
    app.before(ctx -> {
      if (allowed(ctx)) {
        ctx.header("Access-Control-Allow-Origin", ctx.header("Origin"));
        ctx.header("Vary", "Origin");
      }
    });
    app.options("/<path>", ctx -> {
      if (ctx.header("Access-Control-Request-Method") == null) {
        ctx.status(204);
      } else if (allowed(ctx)) {
        ctx.header("Access-Control-Allow-Methods", ALLOWED_METHODS);
        ctx.header("Access-Control-Allow-Headers", ALLOWED_HEADERS);
        ctx.header("Access-Control-Max-Age", "600");
        ctx.status(204);
      } else {
        ctx.status(403);
      }
    });
  }

  private boolean allowed(Context ctx) {
    String origin = ctx.header("Origin");
    return origin != null && (anyOrigin || origins.contains(origin));
  }

  /** Whether a request is a CORS preflight, which carries no credentials and must not be authenticated. */
  public static boolean preflight(Context ctx) {
    return ctx.method() == HandlerType.OPTIONS;
  }
}
