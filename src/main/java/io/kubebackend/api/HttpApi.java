package io.kubebackend.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.mirror.ClusterMirror;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.query.ObjectReader;
import io.kubebackend.store.MirrorStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API. Handlers run on virtual threads (one per request) and may block on the database.
 * Every failure leaves through {@link ApiException} and becomes one JSON error shape.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  /** Upper bound of one list response; larger results are paged by the query API. */
  static final int MAX_LIST = 10_000;

  private final RuntimeMirror mirror;
  private final MirrorStore store;
  private final ObjectReader reader;
  private final PrometheusMeterRegistry metrics;
  private final Javalin app;

  public HttpApi(RuntimeMirror mirror, MirrorStore store, ObjectReader reader, PrometheusMeterRegistry metrics) {
    this.mirror = mirror;
    this.store = store;
    this.reader = reader;
    this.metrics = metrics;
    ObjectMapper mapper = new ObjectMapper();
    this.app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.useVirtualThreads = true;
      cfg.jsonMapper(new JavalinJackson(mapper, true));
    });
    app.exception(ApiException.class, (e, ctx) -> ctx.status(e.status()).json(e.body()));
    app.exception(Exception.class, (e, ctx) -> {
      log.error("{} {} failed", ctx.method(), ctx.path(), e);
      ctx.status(500).json(new ApiException.Body(500, "InternalError", "internal error, see the server log"));
    });
    app.error(404, ctx -> {
      if (ctx.result() == null || ctx.result().isEmpty()) {
        ctx.json(new ApiException.Body(404, "NotFound", "no route " + ctx.method() + " " + ctx.path()));
      }
    });
    routes();
  }

  private void routes() {
    app.get("/healthz", ctx -> ctx.json(Map.of("status", "ok")));
    app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4").result(metrics.scrape()));
    app.get("/api/v1/clusters", ctx -> ctx.json(mirror.clusters().stream().map(this::summary).toList()));
    app.get("/api/v1/clusters/{cluster}", ctx -> {
      ClusterMirror m = cluster(ctx);
      Map<String, Object> out = summary(m);
      out.put("resources", store.syncStatus(m.clusterId()));
      ctx.json(out);
    });
    String base = "/api/v1/clusters/{cluster}";
    for (String prefix : List.of(base + "/api/{version}", base + "/apis/{group}/{version}")) {
      app.get(prefix + "/{resource}", ctx -> list(ctx, null));
      app.get(prefix + "/{resource}/{name}", ctx -> get(ctx, ""));
      app.get(prefix + "/namespaces/{namespace}/{resource}", ctx -> list(ctx, ctx.pathParam("namespace")));
      app.get(prefix + "/namespaces/{namespace}/{resource}/{name}", ctx -> get(ctx, ctx.pathParam("namespace")));
    }
  }

  private Map<String, Object> summary(ClusterMirror m) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", m.clusterId());
    out.put("resources", m.resources().size());
    out.put("objects", store.count(m.clusterId()));
    out.put("lastError", m.lastError());
    return out;
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
    return m.resources().stream()
        .filter(t -> t.group().equals(group) && t.resource().equals(resource))
        .findFirst()
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

  public HttpApi start(String host, int port) {
    app.start(host, port);
    return this;
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
