package io.kubebackend.api.kubesys;

import static io.kubebackend.api.kubesys.KubesysHandler.STREAMED;
import static io.kubebackend.api.kubesys.KubesysHandler.caller;
import static io.kubebackend.api.kubesys.KubesysHandler.handler;
import static io.kubebackend.api.kubesys.KubesysRequests.read;
import static io.kubebackend.api.kubesys.KubesysRequests.required;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.kubebackend.auth.Auth;
import io.kubebackend.auth.Authorizer.Access;
import io.kubebackend.auth.Caller;
import io.kubebackend.auth.Target;
import io.kubebackend.cluster.Cluster;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.mirror.ClusterMirror;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.query.FieldCondition;
import io.kubebackend.query.LabelSelector;
import io.kubebackend.query.ObjectFilter;
import io.kubebackend.query.ObjectQuery;
import io.kubebackend.query.PageSink;
import io.kubebackend.query.QueryService;
import io.kubebackend.store.ObjectKey;
import io.kubebackend.api.CallerReadScope;
import io.kubebackend.write.ApiserverWriter;
import io.kubebackend.write.ObjectWrites;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code /kubesys/kube/*}: writes go to the region's apiserver and wait (bounded) until the mirror shows them;
 * reads come from the database. Every call is authenticated, then checked against the caller's role before
 * anything is read or changed.
 */
final class KubesysKubeRoutes {
  static final int DEFAULT_LIMIT = 10;
  static final int MAX_LIMIT = 10_000;
  private static final JsonFactory JSON_FACTORY = new JsonFactory()
      // On a failure mid-stream, neither close the brackets (a cut answer must not look whole) nor the response.
      .disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT)
      .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

  /** One kind in getMeta's answer. */
  record MetaEntry(String apiVersion, String kind, String plural, List<String> verbs) {}

  private enum WriteMode { CREATE, UPDATE, CREATE_OR_UPDATE }

  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  /** A fullkind: an optional API group (an RFC 1123 subdomain) and a kind. */
  private static final Pattern FULL_KIND = Pattern.compile(
      "(?=.{1,317}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\.)?[A-Z][A-Za-z0-9]{0,62}");

  private final Auth auth;
  private final RuntimeMirror mirror;
  private final QueryService query;
  private final ObjectWrites writes;

  KubesysKubeRoutes(Auth auth, RuntimeMirror mirror, QueryService query,
                    ObjectWrites writes) {
    this.auth = auth;
    this.mirror = mirror;
    this.query = query;
    this.writes = writes;
  }

  void register(Javalin app) {
    app.post("/kubesys/kube/createResource", handler(ctx -> write(ctx, WriteMode.CREATE)));
    app.post("/kubesys/kube/updateResource", handler(ctx -> write(ctx, WriteMode.UPDATE)));
    app.post("/kubesys/kube/createOrUpdateResource", handler(ctx -> write(ctx, WriteMode.CREATE_OR_UPDATE)));
    app.post("/kubesys/kube/deleteResource", handler(this::delete));
    app.post("/kubesys/kube/getResource", handler(this::get));
    app.post("/kubesys/kube/listResources", handler(this::list));
    app.post("/kubesys/kube/countResources", handler(this::count));
    app.post("/kubesys/kube/getMeta", handler(this::meta));
  }

  // ---- writes ----

  private Object write(Context ctx, WriteMode mode) {
    Caller caller = caller(ctx, auth.authenticator());
    KubesysRequests.WriteRequest r = read(ctx, KubesysRequests.WriteRequest.class);
    String region = required("region", r.region());
    JsonNode data = r.data();
    if (data == null || !data.isObject()) {
      throw KubesysException.badRequest("data (the Kubernetes object) is required");
    }
    String apiVersion = text(data, "apiVersion", "data.apiVersion");
    String kind = text(data, "kind", "data.kind");
    JsonNode metadata = data.get("metadata");
    if (metadata == null || !metadata.isObject()) {
      throw KubesysException.badRequest("data.metadata is required");
    }
    String name = optionalText(metadata, "name", "data.metadata.name");
    boolean generated = mode == WriteMode.CREATE && optionalText(metadata, "generateName", "data.metadata.generateName")
        != null;
    if (name == null && !generated) {
      throw KubesysException.badRequest("data.metadata.name is required");
    }
    ApiVersion version = ApiVersion.parse(apiVersion, kind);
    String fullKind = ResourceType.fullKind(version.group(), kind);

    auth.authorizer().requireAny(caller, Access.WRITE, region);
    ClusterMirror cluster = cluster(region);
    ResourceType served = servedKind(cluster.cluster(), fullKind);
    if (!cluster.cluster().servesVersion(version.group(), version.version())) {
      throw KubesysException.notFound("region " + region + " does not serve " + quoted(apiVersion));
    }
    served = served.atVersion(version.version());
    // As kubectl and the original backend do: a namespaced object without a namespace goes to "default".
    String given = optionalText(metadata, "namespace", "data.metadata.namespace");
    String namespace = namespace(served.namespaced(), given == null ? "default" : given, "data.metadata.namespace");
    if (served.namespaced() && given == null) {
      ((ObjectNode) metadata).put("namespace", namespace);
    }
    if (name != null) {
      pathSegment("data.metadata.name", name);
    }
    auth.authorizer().authorize(caller, Access.WRITE, Target.of(region, served, namespace));

    ObjectNode object = (ObjectNode) data;
    return switch (mode) {
      case CREATE -> writes.create(cluster.cluster(), served, namespace, object.toString());
      case UPDATE -> writes.replace(cluster.cluster(), served, namespace, name, object);
      case CREATE_OR_UPDATE -> writes.createOrUpdate(cluster.cluster(), served, namespace, name, object);
    };
  }

  private Object delete(Context ctx) {
    Caller caller = caller(ctx, auth.authenticator());
    KubesysRequests.ObjectRequest r = read(ctx, KubesysRequests.ObjectRequest.class);
    String region = required("region", r.region());
    String fullKind = required("fullkind", r.fullkind());
    String name = required("name", r.name());
    auth.authorizer().requireAny(caller, Access.WRITE, region);
    Cluster cluster = cluster(region).cluster();
    ResourceType served = servedKind(cluster, fullKind);
    String namespace = namespace(served.namespaced(), r.namespace(), "namespace");
    pathSegment("name", name);
    auth.authorizer().authorize(caller, Access.WRITE, Target.of(region, served, namespace));

    return writes.delete(cluster, served, namespace, name);
  }

  // ---- reads ----

  private Object get(Context ctx) {
    Caller caller = caller(ctx, auth.authenticator());
    KubesysRequests.ObjectRequest r = read(ctx, KubesysRequests.ObjectRequest.class);
    String region = required("region", r.region());
    String fullKind = required("fullkind", r.fullkind());
    String name = required("name", r.name());
    auth.authorizer().requireAny(caller, Access.READ, region);
    ClusterMirror cluster = cluster(region);
    ResourceType served = servedKind(cluster.cluster(), fullKind);
    String namespace = namespace(served.namespaced(), r.namespace(), "namespace");
    pathSegment("name", name);
    auth.authorizer().authorize(caller, Access.READ, Target.of(region, served, namespace));
    ResourceType type = mirroredType(cluster, served);
    String json = query.get(new ObjectKey(region, type.group(), type.resource(), namespace, name))
        .orElseThrow(() -> KubesysException.notFound(fullKind + " " + quoted(namespace.isEmpty() ? name
            : namespace + "/" + name) + " not found in region " + region));
    return new RawValue(json);
  }

  private Object list(Context ctx) throws IOException {
    Caller caller = caller(ctx, auth.authenticator());
    KubesysRequests.ListRequest r = read(ctx, KubesysRequests.ListRequest.class);
    String region = required("region", r.region());
    String fullKind = required("fullkind", r.fullkind());
    int page = r.page() == null ? 1 : r.page();
    int limit = r.limit() == null ? DEFAULT_LIMIT : r.limit();
    if (page < 1) {
      throw KubesysException.badRequest("page starts at 1");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw KubesysException.badRequest("limit must be between 1 and " + MAX_LIMIT);
    }
    ObjectFilter filter = readFilter(caller, region, fullKind, KubesysLabels.parse(r.labels()));
    String listKind = fullKind.substring(fullKind.lastIndexOf('.') + 1) + "List";

    ctx.contentType("application/json");
    JsonGenerator g = JSON_FACTORY.createGenerator(ctx.outputStream());
    query.page(ObjectQuery.numberedPage(filter, page, limit), CallerReadScope.of(caller, mirror), new PageSink() {
      @Override
      public void start(Long total, long head) throws IOException {
        g.writeStartObject();
        g.writeNumberField("code", 20000);
        g.writeNullField("message");
        g.writeObjectFieldStart("data");
        g.writeStringField("apiVersion", "v1");
        g.writeStringField("kind", listKind);
        g.writeObjectFieldStart("metadata");
        g.writeNumberField("totalCount", total);
        g.writeNumberField("currentPage", page);
        g.writeNumberField("totalPage", (total + limit - 1) / limit);
        g.writeNumberField("itemsPerPage", limit);
        g.writeEndObject();
        g.writeArrayFieldStart("items");
      }

      @Override
      public void item(String cluster, long seq, String objectJson) throws IOException {
        g.writeRawValue(objectJson);
      }

      @Override
      public void end(String continueToken) throws IOException {
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndObject();
        g.flush();
      }
    });
    return STREAMED;
  }

  private Object count(Context ctx) {
    Caller caller = caller(ctx, auth.authenticator());
    KubesysRequests.CountRequest r = read(ctx, KubesysRequests.CountRequest.class);
    String region = required("region", r.region());
    String fullKind = required("fullkind", r.fullkind());
    return query.count(readFilter(caller, region, fullKind, KubesysLabels.parse(r.labels())),
        CallerReadScope.of(caller, mirror));
  }

  /**
   * The filter for a list or count of one kind in one region; 403 unless the caller may read the kind in some
   * namespace there. The caller's read scope then limits the rows to what it may read.
   */
  private ObjectFilter readFilter(Caller caller, String region, String fullKind, List<FieldCondition> conditions) {
    auth.authorizer().requireAny(caller, Access.READ, region);
    ClusterMirror cluster = cluster(region);
    ResourceType served = servedKind(cluster.cluster(), fullKind);
    auth.authorizer().requireReadSomewhere(caller, region, served.fullKind());
    ResourceType type = mirroredType(cluster, served);
    return new ObjectFilter(List.of(region), type.group(), type.resource(), null, List.of(),
        LabelSelector.EVERYTHING, conditions, null, null, null, null, null);
  }

  private Object meta(Context ctx) {
    Caller caller = caller(ctx, auth.authenticator());
    KubesysRequests.MetaRequest r = read(ctx, KubesysRequests.MetaRequest.class);
    String region = required("region", r.region());
    auth.authorizer().requireAny(caller, Access.READ, region);
    Map<String, MetaEntry> out = new LinkedHashMap<>();
    for (ResourceType k : cluster(region).cluster().served().byFullKind().values()) {
      out.put(k.fullKind(), new MetaEntry(k.apiVersion(), k.kind(), k.resource(), k.verbs()));
    }
    return out;
  }

  // ---- lookups and checks ----

  private ClusterMirror cluster(String region) {
    return mirror.get(region)
        .orElseThrow(() -> KubesysException.notFound("region " + quoted(region) + " is not registered"));
  }

  /** The mirror's type of a served kind; 404 when the region does not mirror it. */
  private static ResourceType mirroredType(ClusterMirror cluster, ResourceType served) {
    return cluster.resource(served.group(), served.resource())
        .orElseThrow(() -> KubesysException.notFound("region " + cluster.clusterId() + " has no mirrored kind "
            + quoted(served.fullKind())));
  }

  /** The served kind of a fullkind ({@code Pod}, {@code apps.Deployment}); 400 if it cannot be one, 404 if unknown. */
  private static ResourceType servedKind(Cluster cluster, String fullKind) {
    if (!FULL_KIND.matcher(fullKind).matches()) {
      throw KubesysException.badRequest("fullkind " + quoted(fullKind) + " is not a kind (Kind or group.Kind)");
    }
    return cluster.kindOf(fullKind)
        .orElseThrow(() -> KubesysException.notFound("region " + cluster.id() + " does not serve kind "
            + quoted(fullKind)));
  }

  /** The namespace for a key: required for namespaced kinds, "" (ignoring what was sent) for cluster-scoped ones. */
  private static String namespace(boolean namespaced, String given, String field) {
    if (!namespaced) {
      return "";
    }
    String ns = required(field, given);
    if (!NAMESPACE.matcher(ns).matches()) {
      throw KubesysException.badRequest(field + " " + quoted(ns) + " is not a namespace name (an RFC 1123 label)");
    }
    return ns;
  }

  private static void pathSegment(String field, String value) {
    try {
      ApiserverWriter.checkPathSegment(field, value);
    } catch (IllegalArgumentException e) {
      throw KubesysException.badRequest(e.getMessage());
    }
  }

  private static String text(JsonNode node, String field, String path) {
    String v = optionalText(node, field, path);
    if (v == null) {
      throw KubesysException.badRequest(path + " is required");
    }
    return v;
  }

  private static String optionalText(JsonNode node, String field, String path) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw KubesysException.badRequest(path + " must be a string");
    }
    return v.asText().isEmpty() ? null : v.asText();
  }

  /** A request value inside an error message: quoted and cut to a readable length. */
  static String quoted(String value) {
    String cut = value.length() > 100 ? value.substring(0, 100) + "..." : value;
    StringBuilder out = new StringBuilder("\"");
    cut.chars().forEach(ch -> out.append(Character.isISOControl(ch) ? '?' : (char) ch));
    return out.append('"').toString();
  }
}
