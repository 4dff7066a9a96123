package io.kubebackend.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.mirror.ClusterMirror;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.query.ObjectReader;
import java.util.List;

/** Native read endpoints: registered clusters and their objects, Kubernetes-shaped, from the database. */
public final class ObjectRoutes implements Routes {
  /** Upper bound of one list response; larger results are paged by the query API. */
  static final int MAX_LIST = 10_000;

  private final RuntimeMirror mirror;
  private final ObjectReader reader;

  public ObjectRoutes(RuntimeMirror mirror, ObjectReader reader) {
    this.mirror = mirror;
    this.reader = reader;
  }

  @Override
  public void register(Javalin app) {
    String base = "/api/v1/clusters/{cluster}";
    for (String prefix : List.of(base + "/api/{version}", base + "/apis/{group}/{version}")) {
      app.get(prefix + "/{resource}", ctx -> list(ctx, null));
      app.get(prefix + "/{resource}/{name}", ctx -> get(ctx, ""));
      app.get(prefix + "/namespaces/{namespace}/{resource}", ctx -> list(ctx, ctx.pathParam("namespace")));
      app.get(prefix + "/namespaces/{namespace}/{resource}/{name}", ctx -> get(ctx, ctx.pathParam("namespace")));
    }
  }

  private ClusterMirror cluster(Context ctx) {
    String id = ctx.pathParam("cluster");
    return mirror.get(id).orElseThrow(() -> ApiException.notFound("cluster " + id + " is not registered"));
  }

  private ResourceType resourceType(Context ctx) {
    ClusterMirror m = cluster(ctx);
    String group = ctx.pathParamMap().getOrDefault("group", "");
    String version = ctx.pathParam("version");
    String resource = ctx.pathParam("resource");
    return m.resource(group, resource)
        .orElseThrow(() -> ApiException.notFound("cluster " + m.clusterId() + " does not serve "
            + (group.isEmpty() ? "" : group + "/") + version + " " + resource));
  }

  private void list(Context ctx, String namespace) {
    ResourceType t = resourceType(ctx);
    if (namespace != null && !t.namespaced()) {
      throw ApiException.notFound(t.resource() + " is not namespaced");
    }
    int limit = limit(ctx);
    ctx.contentType("application/json");
    reader.list(ctx.pathParam("cluster"), t.group(), t.resource(), namespace, t.kind() + "List", limit,
        ctx.outputStream());
  }

  private void get(Context ctx, String namespace) {
    ResourceType t = resourceType(ctx);
    String name = ctx.pathParam("name");
    String json = reader.get(ctx.pathParam("cluster"), t.group(), t.resource(), namespace, name)
        .orElseThrow(() -> ApiException.notFound(t.resource() + " \"" + name + "\" not found"));
    ctx.contentType("application/json").result(json);
  }

  private static int limit(Context ctx) {
    String raw = ctx.queryParam("limit");
    if (raw == null) {
      return MAX_LIST;
    }
    try {
      int n = Integer.parseInt(raw);
      if (n < 1 || n > MAX_LIST) {
        throw ApiException.badRequest("limit must be between 1 and " + MAX_LIST);
      }
      return n;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("limit must be a number");
    }
  }

}
