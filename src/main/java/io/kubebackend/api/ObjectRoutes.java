package io.kubebackend.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.query.ContinueToken;
import io.kubebackend.query.InvalidQueryException;
import io.kubebackend.query.LabelSelector;
import io.kubebackend.query.ListShape;
import io.kubebackend.query.ObjectFilter;
import io.kubebackend.query.ObjectQuery;
import io.kubebackend.query.QueryService;
import io.kubebackend.query.ReadScope;
import io.kubebackend.store.ObjectKey;
import java.util.List;

/**
 * Native read endpoints: objects of a cluster, Kubernetes-shaped, from the database. The path's version must be
 * the one the mirror keeps (the group's preferred version): objects are stored as that version only. A list
 * without {@code limit} streams every object; with {@code limit} it is one page, and {@code metadata.continue}
 * (passed back as {@code continue}) fetches the next (keyset: objects created or deleted meanwhile never shift
 * the pages). {@code labelSelector} selects as the apiserver does; it runs on the same query engine as
 * {@code /api/v1/query} and the kubesys list.
 */
public final class ObjectRoutes implements Routes {
  /** Largest page a client may ask for. */
  static final int MAX_LIMIT = 10_000;

  private final QueryService query;

  public ObjectRoutes(QueryService query) {
    this.query = query;
  }

  @Override
  public void register(Javalin app) {
    String base = "/api/v1/clusters/{cluster}";
    for (String prefix : List.of(base + "/api/{version}", base + "/apis/{group}/{version}")) {
      app.get(prefix + "/{resource}", this::list);
      app.get(prefix + "/{resource}/{name}", this::get);
      app.get(prefix + "/namespaces/{namespace}/{resource}", this::list);
      app.get(prefix + "/namespaces/{namespace}/{resource}/{name}", this::get);
    }
  }

  /** The mirrored kind of the path; 404 when the mirror does not keep it, or keeps another version of it. */
  private static ResourceType mirrored(ObjectPath path) {
    ResourceType kind = path.kind();
    ResourceType stored = path.mirror().resource(kind.group(), kind.resource())
        .orElseThrow(() -> ApiException.notFound("cluster " + path.mirror().clusterId() + " serves "
            + kind.qualifiedResource() + " but does not mirror it (see the cluster's include/exclude)"));
    if (!stored.version().equals(kind.version())) {
      throw ApiException.notFound("cluster " + path.mirror().clusterId() + " mirrors " + kind.qualifiedResource()
          + " as " + stored.apiVersion() + ", not " + kind.apiVersion());
    }
    return stored;
  }

  private void list(Context ctx) {
    ObjectPath path = ObjectPath.of(ctx);
    ResourceType t = mirrored(path);
    int limit = limit(ctx);
    ObjectFilter filter;
    ContinueToken after;
    try {
      filter = new ObjectFilter(List.of(path.mirror().clusterId()), t.group(), t.resource(), null,
          path.allNamespaces() ? List.of() : List.of(path.namespace()),
          LabelSelector.parse(ctx.queryParam("labelSelector")), List.of(), null, null, null, null, null);
      String cont = ctx.queryParam("continue");
      after = cont == null || cont.isEmpty() ? null : ContinueToken.decode(cont, filter, List.of());
    } catch (InvalidQueryException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    ctx.contentType("application/json");
    // The guard authorized exactly this cluster, resource and namespace (or every namespace).
    query.list(new ObjectQuery(filter, List.of(), limit, after, false, List.of()), ReadScope.ALL,
        ListShape.of(t.apiVersion(), t.kind()), ctx.outputStream());
  }

  private void get(Context ctx) {
    ObjectPath path = ObjectPath.of(ctx);
    ResourceType t = mirrored(path);
    String json = query.get(new ObjectKey(path.mirror().clusterId(), t.group(), t.resource(), path.namespace(),
            path.name()))
        .orElseThrow(() -> ApiException.notFound(t.resource() + " \"" + path.name() + "\" not found"));
    ctx.contentType("application/json").result(json);
  }

  /** The page size; no limit: every object. */
  private static int limit(Context ctx) {
    String raw = ctx.queryParam("limit");
    if (raw == null || raw.isEmpty()) {
      return Integer.MAX_VALUE - 1;
    }
    if (!raw.matches("[0-9]{1,9}")) {
      throw ApiException.badRequest("limit must be a whole number between 1 and " + MAX_LIMIT);
    }
    int n = Integer.parseInt(raw);
    if (n < 1 || n > MAX_LIMIT) {
      throw ApiException.badRequest("limit must be between 1 and " + MAX_LIMIT);
    }
    return n;
  }
}
