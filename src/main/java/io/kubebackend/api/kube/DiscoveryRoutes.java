package io.kubebackend.api.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.kubebackend.api.ApiException;
import io.kubebackend.api.NativeApiGuard;
import io.kubebackend.api.Routes;
import io.kubebackend.auth.Authorizer;
import io.kubebackend.auth.Caller;
import io.kubebackend.cluster.Cluster;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.mirror.ClusterMirror;
import io.kubebackend.mirror.RuntimeMirror;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The root of a Kubernetes API server under {@code /api/v1/clusters/{cluster}}: {@code /version}, discovery
 * ({@code /api}, {@code /apis}, {@code /api/v1}, {@code /apis/{group}[/{version}]}, legacy or aggregated as the
 * client asks) and the OpenAPI documents kubectl needs for {@code explain} and validation.
 *
 * <p>For one cluster these are the cluster's own answers, passed through with their content type and entity tag,
 * so kubectl sees exactly the kinds, verbs and subresources the cluster serves (reads of a kind the mirror does not
 * keep answer 404 with a message that says so). For {@value #ALL} (every cluster the caller may read, merged) they
 * are built from the mirrored kinds, read-only.
 */
public final class DiscoveryRoutes implements Routes {
  /** The cluster id of the merged, read-only view of every cluster the caller may read. */
  public static final String ALL = "_all";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern GROUP = Pattern.compile(
      "(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern VERSION = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  /** What an OpenAPI path below /openapi may hold: what the apiserver's index lists. */
  private static final Pattern OPENAPI_PATH = Pattern.compile("(api|apis)(/[a-z0-9.-]{1,253}){0,2}");
  private static final String AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

  private final RuntimeMirror mirror;
  private final Authorizer authorizer;

  public DiscoveryRoutes(RuntimeMirror mirror, Authorizer authorizer) {
    this.mirror = mirror;
    this.authorizer = authorizer;
  }

  @Override
  public void register(Javalin app) {
    String p = "/api/v1/clusters/{cluster}";
    app.get(p + "/version", ctx -> pass(ctx, List.of("version")));
    app.get(p + "/api", ctx -> discovery(ctx, List.of("api")));
    app.get(p + "/apis", ctx -> discovery(ctx, List.of("apis")));
    app.get(p + "/api/{version}", ctx -> discovery(ctx, List.of("api", checked(ctx.pathParam("version"), VERSION))));
    app.get(p + "/apis/{group}", ctx -> discovery(ctx, List.of("apis", checked(ctx.pathParam("group"), GROUP))));
    app.get(p + "/apis/{group}/{version}", ctx -> discovery(ctx, List.of("apis",
        checked(ctx.pathParam("group"), GROUP), checked(ctx.pathParam("version"), VERSION))));
    app.get(p + "/openapi/v2", ctx -> openapi(ctx, List.of("openapi", "v2")));
    app.get(p + "/openapi/v3", ctx -> openapi(ctx, List.of("openapi", "v3")));
    app.get(p + "/openapi/v3/<path>", ctx -> {
      String path = ctx.pathParam("path");
      if (!OPENAPI_PATH.matcher(path).matches()) {
        throw ApiException.notFound("no OpenAPI document " + path);
      }
      List<String> segments = new ArrayList<>(List.of("openapi", "v3"));
      segments.addAll(List.of(path.split("/")));
      openapi(ctx, segments);
    });
  }

  private static String checked(String value, Pattern syntax) {
    if (!syntax.matcher(value).matches()) {
      throw ApiException.notFound("the server could not find the requested resource");
    }
    return value;
  }

  /** The one cluster of the path (the guard checked the caller has some grant there). */
  private Cluster cluster(Context ctx) {
    String id = ctx.pathParam("cluster");
    return mirror.get(id).map(ClusterMirror::cluster)
        .orElseThrow(() -> ApiException.notFound("cluster " + id + " is not registered"));
  }

  private void pass(Context ctx, List<String> segments) {
    if (ALL.equals(ctx.pathParam("cluster"))) {
      ctx.json(versionOfAll(ctx));
      return;
    }
    answer(ctx, cluster(ctx).get(segments, Map.of(), ctx.header("Accept")), ctx.pathParam("cluster"));
  }

  private void discovery(Context ctx, List<String> segments) {
    if (ALL.equals(ctx.pathParam("cluster"))) {
      mergedDiscovery(ctx, segments);
      return;
    }
    answer(ctx, cluster(ctx).get(segments, Map.of(), ctx.header("Accept")), ctx.pathParam("cluster"));
  }

  private void openapi(Context ctx, List<String> segments) {
    String id = ctx.pathParam("cluster");
    Cluster c = ALL.equals(id) ? firstReadable(ctx) : cluster(ctx);
    Map<String, String> query = new LinkedHashMap<>();
    String hash = ctx.queryParam("hash");
    if (hash != null && hash.matches("[A-Za-z0-9]{1,256}")) {
      query.put("hash", hash);
    }
    Cluster.RawResponse r = c.get(segments, query, ctx.header("Accept"));
    if (r.code() >= 300 && r.code() < 400) {
      // A stale hash: the apiserver redirects to the current document at a root-relative URL, which behind our
      // prefix would point elsewhere. Ask for the current document instead.
      r = c.get(segments, Map.of(), ctx.header("Accept"));
    }
    answer(ctx, r, id);
  }

  /** The apiserver's answer as it came. */
  private static void answer(Context ctx, Cluster.RawResponse r, String id) {
    ctx.status(r.code());
    if (r.contentType() != null) {
      ctx.contentType(r.contentType());
    }
    if (r.etag() != null) {
      ctx.header("ETag", r.etag());
    }
    ctx.header("Vary", "Accept");
    ctx.result(r.body());
  }

  private Cluster firstReadable(Context ctx) {
    Caller caller = ctx.attribute(NativeApiGuard.CALLER);
    return mirror.clusters().stream().filter(m -> authorizer.readsAnything(caller, m.clusterId()))
        .map(ClusterMirror::cluster).findFirst()
        .orElseThrow(() -> ApiException.notFound("no cluster to read"));
  }

  private Map<String, Object> versionOfAll(Context ctx) {
    Cluster c = firstReadable(ctx);
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> v = JSON.readValue(c.get(List.of("version"), Map.of(), "application/json").body(),
          Map.class);
      return v;
    } catch (java.io.IOException e) {
      throw ApiException.notFound("no version to report");
    }
  }

  /** The mirrored kinds of every readable cluster, one preferred version per group, read verbs only. */
  private Map<String, Map<String, ResourceType>> mirroredKinds(Context ctx) {
    Caller caller = ctx.attribute(NativeApiGuard.CALLER);
    Map<String, Map<String, ResourceType>> byGroup = new java.util.TreeMap<>();
    for (ClusterMirror m : mirror.clusters()) {
      if (!authorizer.readsAnything(caller, m.clusterId())) {
        continue;
      }
      for (ResourceType t : m.resources()) {
        byGroup.computeIfAbsent(t.group(), g -> new java.util.TreeMap<>()).putIfAbsent(t.resource(), t);
      }
    }
    return byGroup;
  }

  private void mergedDiscovery(Context ctx, List<String> segments) {
    Map<String, Map<String, ResourceType>> kinds = mirroredKinds(ctx);
    boolean aggregated = ctx.header("Accept") != null && ctx.header("Accept").contains("as=APIGroupDiscoveryList");
    ObjectNode out;
    if (segments.size() == 1 && aggregated) {
      out = JSON.createObjectNode().put("kind", "APIGroupDiscoveryList").put("apiVersion", "apidiscovery.k8s.io/v2");
      out.putObject("metadata");
      ArrayNode items = out.putArray("items");
      boolean core = segments.getFirst().equals("api");
      kinds.forEach((group, resources) -> {
        if (core == group.isEmpty()) {
          ObjectNode item = items.addObject();
          item.putObject("metadata").put("name", group);
          String version = resources.values().iterator().next().version();
          ObjectNode v = item.putArray("versions").addObject().put("version", version).put("freshness", "Current");
          ArrayNode rs = v.putArray("resources");
          resources.values().stream().filter(t -> t.version().equals(version)).forEach(t -> {
            ObjectNode r = rs.addObject().put("resource", t.resource())
                .put("singularResource", t.kind().toLowerCase()).put("scope", t.namespaced() ? "Namespaced"
                    : "Cluster");
            r.putObject("responseKind").put("group", t.group()).put("version", t.version()).put("kind", t.kind());
            r.putArray("verbs").add("get").add("list").add("watch");
          });
        }
      });
      ctx.contentType(AGGREGATED);
    } else if (segments.size() == 1 && segments.getFirst().equals("api")) {
      out = JSON.createObjectNode().put("kind", "APIVersions");
      out.putArray("versions").add("v1");
      out.putArray("serverAddressByClientCIDRs");
      ctx.contentType("application/json");
    } else if (segments.size() == 1) {
      out = JSON.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
      ArrayNode groups = out.putArray("groups");
      kinds.forEach((group, resources) -> {
        if (!group.isEmpty()) {
          String gv = group + "/" + resources.values().iterator().next().version();
          ObjectNode g = groups.addObject().put("name", group);
          g.putArray("versions").addObject().put("groupVersion", gv)
              .put("version", resources.values().iterator().next().version());
          g.putObject("preferredVersion").put("groupVersion", gv)
              .put("version", resources.values().iterator().next().version());
        }
      });
      ctx.contentType("application/json");
    } else {
      String group = segments.getFirst().equals("api") ? "" : segments.get(1);
      String version = segments.getLast();
      Map<String, ResourceType> resources = kinds.getOrDefault(group, Map.of());
      if (segments.size() == 2 && !group.isEmpty()) {
        throw ApiException.notFound("the server could not find the requested resource");
      }
      out = JSON.createObjectNode().put("kind", "APIResourceList").put("apiVersion", "v1")
          .put("groupVersion", group.isEmpty() ? version : group + "/" + version);
      ArrayNode rs = out.putArray("resources");
      resources.values().stream().filter(t -> t.version().equals(version)).forEach(t -> {
        ObjectNode r = rs.addObject().put("name", t.resource()).put("singularName", t.kind().toLowerCase())
            .put("namespaced", t.namespaced()).put("kind", t.kind());
        r.putArray("verbs").add("get").add("list").add("watch");
      });
      ctx.contentType("application/json");
    }
    ctx.header("Vary", "Accept");
    ctx.result(out.toString());
  }
}
