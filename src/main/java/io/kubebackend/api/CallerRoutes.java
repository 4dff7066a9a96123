package io.kubebackend.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.kubebackend.auth.Caller;
import io.kubebackend.auth.Grant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/me}: who the token belongs to and what the role may do, so that a client (the console) shows
 * only the actions the role allows. It is a hint for display: every request is still decided by the server.
 */
public final class CallerRoutes implements Routes {
  @Override
  public void register(Javalin app) {
    app.get("/api/v1/me", this::me);
  }

  private void me(Context ctx) {
    Caller caller = ctx.attribute(NativeApiGuard.CALLER);
    List<Map<String, Object>> grants = caller.grants().stream().map(CallerRoutes::grant).toList();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("user", caller.user());
    out.put("role", caller.role());
    out.put("admin", caller.admin());
    out.put("grants", grants);
    ctx.json(out);
  }

  private static Map<String, Object> grant(Grant g) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("cluster", g.cluster());
    out.put("namespace", g.namespace());
    out.put("kind", g.kind());
    out.put("read", g.read());
    out.put("write", g.write());
    return out;
  }
}
