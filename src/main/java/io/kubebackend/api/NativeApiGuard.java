package io.kubebackend.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.kubebackend.auth.AuthException;
import io.kubebackend.auth.Authenticator;
import io.kubebackend.auth.Authorizer;
import io.kubebackend.auth.Authorizer.Access;
import io.kubebackend.auth.Caller;
import io.kubebackend.mirror.RuntimeMirror;
import java.util.Map;

/**
 * Puts every matched endpoint under {@code /api/} behind the bearer tokens of {@code /kubesys/system/login}:
 * {@code authorization: Bearer <token>} is required, {@code user: <name>} optional but must match. The caller is
 * left in the request attribute {@link #CALLER} for handlers. {@code /healthz} and {@code /metrics} stay open.
 *
 * <p>Authorization, before anything is read or changed:
 * <ul>
 *   <li>an object path is resolved to its {@link ObjectPath} against the cluster's served kinds (404 if the kind,
 *       group or version is not served: nothing unresolved goes further) and its target is authorized with
 *       {@link Authorizer#authorize}: read for GET, write otherwise. Handlers use the resolved path;
 *   <li>other routes naming a cluster (its summary) need some grant in that cluster for GET;
 *   <li>any other write (registering and removing clusters) needs the admin role;
 *   <li>routes without a cluster (query, aggregate, change stream, cluster list) limit what they return to what
 *       the role may read, from the same grants.
 * </ul>
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
      guard(ctx);
    });
    // WebSocket upgrades (watches) skip the HTTP before-handlers: the same check runs before every upgrade.
    app.wsBeforeUpgrade(this::guard);
  }

  private void guard(Context ctx) {
    try {
      check(ctx);
    } catch (AuthException e) {
      throw ApiException.of(e);
    }
  }

  private void check(Context ctx) {
    Caller caller = authenticator.authenticate(ctx.header("authorization"), ctx.header("user"),
        Authenticator.UserHeader.OPTIONAL);
    ctx.attribute(CALLER, caller);
    // Path parameters are those of the matched endpoint (this handler has none of its own).
    Map<String, String> params = ctx.pathParamMap();
    Access access = ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD ? Access.READ : Access.WRITE;
    String cluster = params.get("cluster");
    if (ObjectPath.ALL_CLUSTERS.equals(cluster)) {
      // The merged view of every cluster: read-only; what it returns is limited by the caller's read scope.
      if (access == Access.WRITE) {
        throw new ApiException(405, "MethodNotAllowed", "the view of every cluster (" + ObjectPath.ALL_CLUSTERS
            + ") is read-only: write to one cluster's path");
      }
      if (ObjectPath.isObjectRoute(params)) {
        ctx.attribute(ObjectPath.ATTRIBUTE, ObjectPath.resolveAll(params, mirror, caller, authorizer));
      }
      return;
    }
    if (ObjectPath.isObjectRoute(params)) {
      // Checked before the kind is looked up, so that users without any grant there learn nothing about it.
      authorizer.requireAny(caller, access, cluster);
      ObjectPath path = ObjectPath.resolve(params, mirror);
      authorizer.authorize(caller, access, path.target());
      ctx.attribute(ObjectPath.ATTRIBUTE, path);
    } else if (access == Access.WRITE) {
      authorizer.requireAdmin(caller);
    } else if (cluster != null) {
      authorizer.requireAny(caller, Access.READ, cluster);
    }
  }
}
