package io.kubebackend.api.kube;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.kubebackend.api.ApiException;
import io.kubebackend.api.CallerReadScope;
import io.kubebackend.api.NativeApiGuard;
import io.kubebackend.api.ObjectPath;
import io.kubebackend.api.Routes;
import io.kubebackend.auth.Caller;
import io.kubebackend.cluster.ApiserverUrl;
import io.kubebackend.cluster.Cluster;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.events.OutboxFanout;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.query.ContinueToken;
import io.kubebackend.query.FieldCondition;
import io.kubebackend.query.InvalidQueryException;
import io.kubebackend.query.ItemWriter;
import io.kubebackend.query.JsonPath;
import io.kubebackend.query.LabelSelector;
import io.kubebackend.query.ListShape;
import io.kubebackend.query.ObjectFilter;
import io.kubebackend.query.ObjectQuery;
import io.kubebackend.query.PageSink;
import io.kubebackend.query.QueryService;
import io.kubebackend.query.ReadScope;
import io.kubebackend.store.ObjectKey;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The read side of the Kubernetes API of the mirror, on the object paths of one cluster or of every cluster
 * ({@value ObjectPath#ALL_CLUSTERS}): get, list and watch, answered from the database and the outbox. Lists take
 * {@code labelSelector}, {@code fieldSelector}, {@code limit} + {@code continue} (keyset) and the resourceVersion
 * rules of the apiserver, in the mirror's resourceVersions (outbox seqs); a Table when asked for one. The path's
 * version must be the one the mirror keeps. Subresources ({@code status}, {@code scale}) are read from the apiserver.
 *
 * <p>{@code NativeApiGuard} resolved and authorized the path; the merged view filters by the caller's read scope.
 */
public final class ObjectReadRoutes implements Routes {
  private final QueryService query;
  private final RuntimeMirror mirror;
  private final WatchStreams watches;
  private final Clock clock;

  private final KubeApiMetrics metrics;

  public ObjectReadRoutes(QueryService query, OutboxFanout fanout, RuntimeMirror mirror, Clock clock,
                          MeterRegistry registry) {
    this.query = query;
    this.mirror = mirror;
    this.metrics = new KubeApiMetrics(registry);
    this.watches = new WatchStreams(query, fanout, clock, metrics);
    this.clock = clock;
  }

  @Override
  public void register(Javalin app) {
    String base = "/api/v1/clusters/{cluster}";
    for (String prefix : List.of(base + "/api/{version}", base + "/apis/{group}/{version}")) {
      app.get(prefix + "/{resource}", this::list);
      app.get(prefix + "/{resource}/{name}", this::get);
      app.get(prefix + "/namespaces/{namespace}/{resource}", this::list);
      app.get(prefix + "/namespaces/{namespace}/{resource}/{name}", this::get);
      for (String list : List.of(prefix + "/{resource}", prefix + "/namespaces/{namespace}/{resource}")) {
        // Watches over WebSocket, as fabric8 clients open them by default (the apiserver serves both).
        app.wsBeforeUpgrade(list, this::prepareWebSocketWatch);
        app.ws(list, this::webSocketWatch);
      }
      app.get(prefix + "/{resource}/{name}/{subresource}", this::subresource);
      app.get(prefix + "/namespaces/{namespace}/{resource}/{name}/{subresource}", this::subresource);
    }
  }

  /** The mirrored kind of the path; 404 when the mirror does not keep it, or keeps another version of it. */
  private static ResourceType mirrored(ObjectPath path) {
    ResourceType kind = path.kind();
    if (path.allClusters()) {
      return kind;
    }
    ResourceType stored = path.mirror().resource(kind.group(), kind.resource())
        .orElseThrow(() -> ApiException.notFound("cluster " + path.mirror().clusterId() + " serves "
            + kind.qualifiedResource() + " but does not mirror it (see the cluster's include/exclude)"));
    if (!stored.version().equals(kind.version())) {
      throw ApiException.notFound("cluster " + path.mirror().clusterId() + " mirrors " + kind.qualifiedResource()
          + " as " + stored.apiVersion() + ", not " + kind.apiVersion());
    }
    return stored;
  }

  private ReadScope scope(Context ctx, ObjectPath path) {
    // One cluster's path was authorized as a whole by the guard; the merged view sees what the role may read.
    return path.allClusters() ? CallerReadScope.of(ctx.<Caller>attribute(NativeApiGuard.CALLER), mirror)
        : ReadScope.ALL;
  }

  private ObjectFilter filter(ObjectPath path, ResourceType t, ListOptions opts) {
    return new ObjectFilter(path.allClusters() ? List.of() : List.of(path.clusterId()), t.group(), t.resource(),
        null, path.allNamespaces() || !t.namespaced() ? List.of() : List.of(path.namespace()), opts.labels(),
        opts.fields(), null, null, null, null, null);
  }

  private void list(Context ctx) throws Exception {
    ObjectPath path = ObjectPath.of(ctx);
    ResourceType t = mirrored(path);
    ListOptions opts = ListOptions.parse(ctx, t);
    ObjectFilter filter = filter(path, t, opts);
    boolean table = Tables.wanted(ctx.header("Accept"));
    List<TableColumns.Column> columns = table ? Tables.columns(t, printerColumns(path, t), path.allClusters()) : null;
    if (opts.watch()) {
      watches.serve(ctx, selection(ctx, path, t, opts, table, columns), opts);
      return;
    }
    metrics.lists.increment();
    checkListVersion(opts);
    ContinueToken after;
    try {
      after = opts.continueToken() == null ? null : ContinueToken.decode(opts.continueToken(), filter, List.of());
    } catch (InvalidQueryException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    ObjectQuery q = new ObjectQuery(filter, List.of(), opts.limit(), after, false, List.of());
    ctx.contentType("application/json");
    if (table) {
      query.page(q, scope(ctx, path), new Tables.Sink(columns, opts.includeObject(), path.allClusters(), clock,
          ctx.outputStream()));
    } else {
      query.list(q, scope(ctx, path), ListShape.of(t.apiVersion(), t.kind(), path.allClusters()), ctx.outputStream());
    }
  }

  private WatchStreams.Selection selection(Context ctx, ObjectPath path, ResourceType t, ListOptions opts,
                                           boolean table, List<TableColumns.Column> columns) {
    // The filter without the selectors (they are matched per event), and with them for the initial events.
    ObjectFilter scopeOnly = filter(path, t, new ListOptions(LabelSelector.EVERYTHING, List.of(), opts.limit(),
        null, null, null, true, false, false, 0, opts.includeObject()));
    return new WatchStreams.Selection(t, scopeOnly, scope(ctx, path), opts.labels(), opts.fields(),
        path.allClusters(), table, columns, opts.includeObject());
  }

  /** A watch checked and ready to stream once the WebSocket is open. */
  private record PreparedWatch(WatchStreams.Selection selection, ListOptions options) {}

  private static final String PREPARED_WATCH = "kube.preparedWatch";
  private static final String WATCH_OPEN = "kube.watchOpen";

  /**
   * Before the upgrade (after {@code NativeApiGuard} authorized the path), so that a bad request is an HTTP error
   * with a Status, as for a watch over HTTP.
   */
  private void prepareWebSocketWatch(Context ctx) throws Exception {
    ObjectPath path = ObjectPath.of(ctx);
    ResourceType t = mirrored(path);
    ListOptions opts = ListOptions.parse(ctx, t);
    if (!opts.watch()) {
      throw ApiException.badRequest("WebSocket requests are served for watches only (watch=true)");
    }
    watches.checkStart(opts);
    boolean table = Tables.wanted(ctx.header("Accept"));
    List<TableColumns.Column> columns = table ? Tables.columns(t, printerColumns(path, t), path.allClusters()) : null;
    ctx.attribute(PREPARED_WATCH, new PreparedWatch(selection(ctx, path, t, opts, table, columns), opts));
  }

  /** Streams the prepared watch on a virtual thread, one event per text message, until either side closes. */
  private void webSocketWatch(WsConfig ws) {
    ws.onConnect(wctx -> {
      PreparedWatch prepared = wctx.attribute(PREPARED_WATCH);
      AtomicBoolean open = new AtomicBoolean(true);
      wctx.attribute(WATCH_OPEN, open);
      watches.webSocketStarted();
      Thread.ofVirtual().name("kube-ws-watch").start(() -> {
        try {
          watches.stream(new WatchStreams.EventSink() {
            @Override
            public void send(String json) {
              wctx.send(json);
            }

            @Override
            public void flush() {}

            @Override
            public boolean open() {
              return open.get();
            }
          }, prepared.selection(), prepared.options());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException clientGone) {
          // Sending failed: the session is gone; the client resumes from the last resourceVersion it saw.
        } finally {
          if (open.get()) {
            wctx.closeSession(1000, "watch ended");
          }
        }
      });
    });
    ws.onClose(wctx -> closed(wctx));
    ws.onError(wctx -> closed(wctx));
  }

  private static void closed(WsContext wctx) {
    AtomicBoolean open = wctx.attribute(WATCH_OPEN);
    if (open != null) {
      open.set(false);
    }
  }

  /**
   * The resourceVersion rules of a list, in the mirror's seqs: the mirror serves its latest state only, so a
   * version from the future waits briefly and then is a 504 (as the apiserver answers it), and an exact version
   * other than the latest is 410 Expired.
   */
  private void checkListVersion(ListOptions opts) throws InterruptedException {
    if (opts.resourceVersion() == null) {
      return;
    }
    long rv = opts.resourceVersion();
    long deadline = System.currentTimeMillis() + 3_000;
    long head = query.head();
    while (head < rv && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      head = query.head();
    }
    if (head < rv) {
      throw new ApiException(504, "Timeout", "Timeout: Too large resource version: " + rv + ", current: " + head);
    }
    if (opts.exact() && rv != head) {
      throw new ApiException(410, "Expired", "The resourceVersion for the provided list is too old: the mirror"
          + " serves its latest state (resourceVersion " + head + ") only");
    }
  }

  /** A CRD's printer columns for the served version, from the mirrored CustomResourceDefinition if there is one. */
  private JsonNode printerColumns(ObjectPath path, ResourceType t) {
    if (t.group().isEmpty() || !t.group().contains(".")) {
      return null;
    }
    String cluster = path.allClusters() ? mirror.clusters().stream().filter(m -> m.resource(t.group(), t.resource())
        .isPresent()).map(m -> m.clusterId()).findFirst().orElse(null) : path.clusterId();
    if (cluster == null) {
      return null;
    }
    return query.get(new ObjectKey(cluster, "apiextensions.k8s.io", "customresourcedefinitions", "",
        t.resource() + "." + t.group())).map(json -> {
          try {
            for (JsonNode v : Tables.JSON.readTree(json).path("spec").path("versions")) {
              if (v.path("name").asText().equals(t.version())) {
                return v.path("additionalPrinterColumns");
              }
            }
          } catch (IOException e) {
            return null;
          }
          return null;
        }).orElse(null);
  }

  private void get(Context ctx) throws Exception {
    ObjectPath path = ObjectPath.of(ctx);
    ResourceType t = mirrored(path);
    String cluster;
    QueryService.StoredObject found;
    if (path.allClusters()) {
      // The first readable cluster that has an object of that name.
      String[] where = new String[1];
      QueryService.StoredObject[] hit = new QueryService.StoredObject[1];
      ObjectFilter f = new ObjectFilter(List.of(), t.group(), t.resource(), null,
          t.namespaced() ? List.of(path.namespace()) : List.of(), LabelSelector.EVERYTHING,
          List.of(new FieldCondition(JsonPath.parse("metadata.name"),
              FieldCondition.Op.EQUALS, List.of(path.name()), null)), null, null, null, null,
          null);
      query.page(new ObjectQuery(f, List.of(), 1, null, false, List.of()), scope(ctx, path), new PageSink() {
        @Override
        public void start(Long total, long head) {}

        @Override
        public void item(String c, long seq, String json) {
          where[0] = c;
          hit[0] = new QueryService.StoredObject(seq, json);
        }

        @Override
        public void end(String continueToken) {}
      });
      cluster = where[0];
      found = hit[0];
    } else {
      cluster = path.clusterId();
      found = query.find(new ObjectKey(cluster, t.group(), t.resource(), path.namespace(), path.name()))
          .orElse(null);
    }
    if (found == null) {
      throw ApiException.notFound(t.resource() + (t.group().isEmpty() ? "" : "." + t.group()) + " \"" + path.name()
          + "\" not found");
    }
    String shown = ItemWriter.shown(found.objectJson(), new ItemWriter.Shown(path.allClusters() ? cluster : null,
        Long.toString(found.seq())));
    ctx.contentType("application/json");
    if (Tables.wanted(ctx.header("Accept"))) {
      List<TableColumns.Column> columns = Tables.columns(t, printerColumns(path, t), path.allClusters());
      var table = Tables.JSON.createObjectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
      table.putObject("metadata").put("resourceVersion", Long.toString(found.seq()));
      table.set("columnDefinitions", Tables.definitions(columns));
      table.putArray("rows").add(Tables.row(columns, Tables.JSON.readTree(shown),
          ctx.queryParam("includeObject") == null ? "Metadata" : ctx.queryParam("includeObject"), clock.instant()));
      ctx.result(table.toString());
    } else {
      ctx.result(shown);
    }
  }

  /** A subresource (status, scale) as the apiserver has it now; streaming ones are not served. */
  private void subresource(Context ctx) {
    ObjectPath path = ObjectPath.of(ctx);
    if (List.of("log", "exec", "attach", "portforward", "proxy").contains(path.subresource())) {
      throw new ApiException(501, "NotImplemented", "kube-backend does not serve the " + path.subresource()
          + " subresource; use the cluster's apiserver for it");
    }
    Cluster c = path.cluster();
    Cluster.RawResponse r = c.get(ApiserverUrl.objectPath(path.kind(), path.namespace(), path.name(),
        path.subresource()), Map.of(), "application/json");
    ctx.status(r.code() >= 500 ? 502 : r.code());
    ctx.contentType(r.contentType() == null ? "application/json" : r.contentType());
    ctx.result(r.body());
  }
}
