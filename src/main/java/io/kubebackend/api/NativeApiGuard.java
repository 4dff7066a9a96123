package io.kubebackend.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.kubebackend.auth.AuthException;
import io.kubebackend.auth.Authenticator;
import io.kubebackend.auth.Authorizer;
import io.kubebackend.auth.Authorizer.Access;
import io.kubebackend.auth.Caller;
import io.kubebackend.auth.Grant;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.mirror.RuntimeMirror;
import java.util.Map;
import java.util.Optional;

/**
 * Puts every matched endpoint under {@code /api/} behind the bearer tokens of {@code /kubesys/system/login}:
 * {@code authorization: Bearer <token>} is required, {@code user: <name>} optional but must match. Where the
 * route names a cluster (and a resource) the role must allow reading it (writing, for other methods than GET):
 * a cluster's summary needs some grant in it; listing a namespaced kind across all namespaces needs a grant for
 * every namespace ({@code "*"}). Other writes (registering and removing clusters) need the admin role. The caller is left in the request attribute {@link #CALLER} for handlers.
 * {@code /healthz} and {@code /metrics} stay open.
 */
public final class NativeApiGuard implements Routes {
  public static final String CALLER = "kube-backend.caller";

  private final Authenticator authenticator;
  private final Authorizer authorizer;
  private final RuntimeMirror mirror;

  public NativeApiGuard(Authenticator authenticator, Authorizer authorizer, RuntimeMirror mirror) {
    this.authenticator = authenticator;
    this.authorizer = authorizer;
    this.mirror = mirror;
  }

  @Override
  public void register(Javalin app) {
    app.beforeMatched(ctx -> {
      if (!ctx.path().startsWith("/api/") || Cors.preflight(ctx)) {
        return;
      }
      try {
        check(ctx);
      } catch (AuthException e) {
        if (e.status() == 401) {
          ctx.header("WWW-Authenticate", "Bearer");
        }
        throw new ApiException(e.status(), e.status() == 401 ? "Unauthorized" : e.status() == 403 ? "Forbidden"
            : e.reason().name(), e.getMessage());
      }
    });
  }

  private void check(Context ctx) {
    Caller caller = authenticator.authenticate(ctx.header("authorization"), ctx.header("user"),
        Authenticator.UserHeader.OPTIONAL);
    ctx.attribute(CALLER, caller);
    // Path parameters are those of the matched endpoint (this handler has none of its own).
    Map<String, String> params = ctx.pathParamMap();
    Access access = ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD ? Access.READ : Access.WRITE;
    String cluster = params.get("cluster");
    String resource = params.get("resource");
    if (access == Access.WRITE && resource == null) {
      // Not a write to objects of a kind: registering or removing clusters and the like.
      authorizer.requireAdmin(caller);
      return;
    }
    if (cluster == null) {
      return;
    }
    authorizer.requireAny(caller, access, cluster);
    if (resource == null) {
      return;
    }
    String group = params.getOrDefault("group", "");
    Optional<ResourceType> type = mirror.get(cluster).flatMap(m -> m.resource(group, resource));
    if (type.isEmpty()) {
      return; // the endpoint answers 404
    }
    String kind = type.get().fullKind();
    String namespace = params.get("namespace");
    if (namespace != null) {
      authorizer.require(caller, access, cluster, namespace, kind);
    } else if (!type.get().namespaced()) {
      authorizer.require(caller, access, cluster, "", kind);
    } else {
      // Across all namespaces: only a grant for namespace "*" covers the namespace "*".
      authorizer.require(caller, access, cluster, Grant.ANY, kind);
    }
  }
}
