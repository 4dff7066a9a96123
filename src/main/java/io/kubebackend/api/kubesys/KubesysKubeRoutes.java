package io.kubebackend.api.kubesys;

import static io.kubebackend.api.kubesys.KubesysHandler.STREAMED;
import static io.kubebackend.api.kubesys.KubesysHandler.caller;
import static io.kubebackend.api.kubesys.KubesysHandler.handler;
import static io.kubebackend.api.kubesys.KubesysRequests.read;
import static io.kubebackend.api.kubesys.KubesysRequests.required;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.kubebackend.auth.Auth;
import io.kubebackend.auth.Authorizer.Access;
import io.kubebackend.auth.Authorizer.NamespaceScope;
import io.kubebackend.auth.Caller;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.mirror.ClusterMirror;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.query.FieldMatch;
import io.kubebackend.query.SearchFilter;
import io.kubebackend.query.ObjectReader;
import io.kubebackend.query.ObjectSearch;
import io.kubebackend.write.ApiserverWriter;
import io.kubebackend.write.ObjectWrites;
import io.kubebackend.write.ServedKind;
import io.kubebackend.write.ServedKinds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

  private final Auth auth;
  private final RuntimeMirror mirror;
  private final ObjectReader reader;
  private final ObjectSearch search;
  private final ServedKinds served;
  private final ObjectWrites writes;

  KubesysKubeRoutes(Auth auth, RuntimeMirror mirror, ObjectReader reader, ObjectSearch search, ServedKinds served,
                    ObjectWrites writes) {
    this.auth = auth;
    this.mirror = mirror;
    this.reader = reader;
    this.search = search;
    this.served = served;
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
    String fullKind = ServedKind.fullKind(apiVersion, kind);

    auth.authorizer().requireAny(caller, Access.WRITE, region);
    ClusterMirror cluster = cluster(region);
    ServedKind served = servedKind(cluster, fullKind);
    String namespace = namespace(served.namespaced(), optionalText(metadata, "namespace", "data.metadata.namespace"),
        "data.metadata.namespace");
    if (name != null) {
      pathSegment("data.metadata.name", name);
    }
    auth.authorizer().require(caller, Access.WRITE, region, namespace, fullKind);

    String json = data.toString();
    return switch (mode) {
      case CREATE -> writes.create(cluster, served, apiVersion, namespace, json);
      case UPDATE -> writes.update(cluster, served, apiVersion, namespace, name, json);
      case CREATE_OR_UPDATE -> writes.createOrUpdate(cluster, served, apiVersion, namespace, name, json);
    };
  }

  private Object delete(Context ctx) {
    Caller caller = caller(ctx, auth.authenticator());
    KubesysRequests.ObjectRequest r = read(ctx, KubesysRequests.ObjectRequest.class);
    String region = required("region", r.region());
    String fullKind = required("fullkind", r.fullkind());
    String name = required("name", r.name());
    auth.authorizer().requireAny(caller, Access.WRITE, region);
    ClusterMirror cluster = cluster(region);
    ServedKind served = servedKind(cluster, fullKind);
    String namespace = namespace(served.namespaced(), r.namespace(), "namespace");
    pathSegment("name", name);
    auth.authorizer().require(caller, Access.WRITE, region, namespace, fullKind);

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
    ResourceType type = mirroredType(cluster(region), fullKind);
    String namespace = namespace(type.namespaced(), r.namespace(), "namespace");
    pathSegment("name", name);
    auth.authorizer().require(caller, Access.READ, region, namespace, fullKind);
    String json = reader.get(region, type.group(), type.resource(), namespace, name)
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
    List<FieldMatch> matches = KubesysLabels.parse(r.labels());
    SearchFilter filter = readFilter(caller, region, fullKind, matches);
    String listKind = fullKind.substring(fullKind.lastIndexOf('.') + 1) + "List";

    ctx.contentType("application/json");
    JsonGenerator g = JSON_FACTORY.createGenerator(ctx.outputStream());
    search.page(filter, limit, (long) (page - 1) * limit, new ObjectSearch.PageSink() {
      @Override
      public void total(long total) {
        try {
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
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public void item(String objectJson) {
        try {
          g.writeRawValue(objectJson);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    });
    g.writeEndArray();
    g.writeEndObject();
    g.writeEndObject();
    g.flush();
    return STREAMED;
  }

  private Object count(Context ctx) {
    Caller caller = caller(ctx, auth.authenticator());
    KubesysRequests.CountRequest r = read(ctx, KubesysRequests.CountRequest.class);
    String region = required("region", r.region());
    String fullKind = required("fullkind", r.fullkind());
    List<FieldMatch> matches = KubesysLabels.parse(r.labels());
    return search.count(readFilter(caller, region, fullKind, matches));
  }

  /** The filter for a list or count, limited to the namespaces the caller may read (403 if none). */
  private SearchFilter readFilter(Caller caller, String region, String fullKind, List<FieldMatch> matches) {
    auth.authorizer().requireAny(caller, Access.READ, region);
    ResourceType type = mirroredType(cluster(region), fullKind);
    NamespaceScope scope = auth.authorizer().readScope(caller, region, fullKind);
    return new SearchFilter(region, type.group(), type.resource(), scope.isAll() ? null : scope.namespaces(),
        matches);
  }

  private Object meta(Context ctx) {
    Caller caller = caller(ctx, auth.authenticator());
    KubesysRequests.MetaRequest r = read(ctx, KubesysRequests.MetaRequest.class);
    String region = required("region", r.region());
    auth.authorizer().requireAny(caller, Access.READ, region);
    Map<String, MetaEntry> out = new LinkedHashMap<>();
    for (ServedKind k : served.all(cluster(region)).values()) {
      out.put(k.fullKind(), new MetaEntry(k.apiVersion(), k.kind(), k.resource(), k.verbs()));
    }
    return out;
  }

  // ---- lookups and checks ----

  private ClusterMirror cluster(String region) {
    return mirror.get(region)
        .orElseThrow(() -> KubesysException.notFound("region " + quoted(region) + " is not registered"));
  }

  private static ResourceType mirroredType(ClusterMirror cluster, String fullKind) {
    return cluster.resources().stream().filter(t -> t.fullKind().equals(fullKind)).findFirst()
        .orElseThrow(() -> KubesysException.notFound("region " + cluster.clusterId() + " has no mirrored kind "
            + quoted(fullKind)));
  }

  private ServedKind servedKind(ClusterMirror cluster, String fullKind) {
    return served.find(cluster, fullKind)
        .orElseThrow(() -> KubesysException.notFound("region " + cluster.clusterId() + " does not serve kind "
            + quoted(fullKind)));
  }

  /** The namespace for a key: required for namespaced kinds, "" (ignoring what was sent) for cluster-scoped ones. */
  private static String namespace(boolean namespaced, String given, String field) {
    if (!namespaced) {
      return "";
    }
    String ns = required(field, given);
    pathSegment(field, ns);
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
    return "\"" + cut + "\"";
  }
}
