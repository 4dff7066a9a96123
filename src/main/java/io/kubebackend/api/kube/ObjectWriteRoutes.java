package io.kubebackend.api.kube;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.kubebackend.api.ApiException;
import io.kubebackend.api.ObjectPath;
import io.kubebackend.api.Routes;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.query.ItemWriter;
import io.kubebackend.query.QueryService;
import io.kubebackend.store.ObjectKey;
import io.kubebackend.write.ApiserverWriter;
import io.kubebackend.write.ObjectWrites;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The write side of the Kubernetes API of the mirror (and of the native API, whose object paths these are): create
 * ({@code POST} a collection), replace ({@code PUT}), patch ({@code PATCH}: JSON merge, strategic merge, JSON patch,
 * server-side apply), delete one object or a collection ({@code DELETE}), and the {@code status} and {@code scale}
 * subresources. Everything goes to the cluster's apiserver at the path's version, and the answer comes once the
 * mirror shows the write.
 *
 * <p>resourceVersions are the mirror's: a {@code metadata.resourceVersion} precondition (in a body or a patch) is
 * the seq of the object's last change, translated to the cluster's own value before the request is sent (a stale
 * one is 409 Conflict, as on the apiserver), and the answer carries the seq of the new state (the cluster's value in
 * the annotation {@value ItemWriter#CLUSTER_RESOURCE_VERSION_ANNOTATION}). {@code NativeApiGuard} resolved and
 * authorized the path before the handler runs.
 */
public final class ObjectWriteRoutes implements Routes {
  /** Strict: trailing content after the document and duplicate keys are refused, not silently dropped. */
  static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  /** The query parameters passed on to the apiserver, each with what its value may be. */
  private static final Map<String, Pattern> PASSED = Map.of(
      "fieldManager", Pattern.compile("[A-Za-z0-9][-A-Za-z0-9._:/ ]{0,127}"),
      "fieldValidation", Pattern.compile("Strict|Warn|Ignore"),
      "dryRun", Pattern.compile("All"),
      "force", Pattern.compile("true|false"),
      "propagationPolicy", Pattern.compile("Orphan|Background|Foreground"),
      "gracePeriodSeconds", Pattern.compile("[0-9]{1,9}"),
      "orphanDependents", Pattern.compile("true|false"),
      "labelSelector", Pattern.compile("[-A-Za-z0-9_./=!,() ]{0,4096}"),
      "fieldSelector", Pattern.compile("[-A-Za-z0-9_./=!,]{0,4096}"));
  private static final List<String> WRITABLE_SUBRESOURCES = List.of("status", "scale");

  private final ObjectWrites writes;
  private final QueryService query;

  public ObjectWriteRoutes(ObjectWrites writes, QueryService query) {
    this.writes = writes;
    this.query = query;
  }

  @Override
  public void register(Javalin app) {
    String base = "/api/v1/clusters/{cluster}";
    for (String prefix : List.of(base + "/api/{version}", base + "/apis/{group}/{version}")) {
      for (String scope : List.of("", "/namespaces/{namespace}")) {
        app.post(prefix + scope + "/{resource}", this::create);
        app.delete(prefix + scope + "/{resource}", this::deleteCollection);
        String object = prefix + scope + "/{resource}/{name}";
        app.put(object, ctx -> update(ctx, null));
        app.patch(object, this::patch);
        app.delete(object, this::delete);
        app.put(object + "/{subresource}", ctx -> update(ctx, ObjectPath.of(ctx).subresource()));
        app.patch(object + "/{subresource}", this::patch);
      }
    }
  }

  private static Map<String, String> passed(Context ctx) {
    Map<String, String> out = new LinkedHashMap<>();
    for (var e : PASSED.entrySet()) {
      String v = ctx.queryParam(e.getKey());
      if (v != null) {
        if (!e.getValue().matcher(v).matches()) {
          throw ApiException.badRequest("invalid " + e.getKey() + " " + ObjectPathText.printable(v));
        }
        out.put(e.getKey(), v);
      }
    }
    return out;
  }

  private static ObjectPath writable(Context ctx) {
    ObjectPath p = ObjectPath.of(ctx);
    if (p.subresource() != null && !WRITABLE_SUBRESOURCES.contains(p.subresource())) {
      throw new ApiException(p.subresource().matches("exec|attach|portforward|proxy|log") ? 501 : 404,
          p.subresource().matches("exec|attach|portforward|proxy|log") ? "NotImplemented" : "NotFound",
          "kube-backend does not serve the " + p.subresource() + " subresource");
    }
    return p;
  }

  private void create(Context ctx) {
    ObjectPath p = writable(ctx);
    if (p.allNamespaces()) {
      throw ApiException.notFound(p.kind().resource() + " is namespaced: POST to .../namespaces/{namespace}/"
          + p.kind().resource());
    }
    requireJson(ctx);
    ObjectNode body = objectBody(ctx, p.kind(), p.namespace(), null);
    body.with("metadata").remove("resourceVersion"); // as kubectl create does: a new object has none
    answer(ctx, 201, writes.send(p.cluster(), new ApiserverWriter.Request("POST", p.kind(), p.namespace(), null,
        null, passed(ctx), "application/json", body.toString())));
  }

  private void update(Context ctx, String subresource) {
    ObjectPath p = writable(ctx);
    requireJson(ctx);
    JsonNode body;
    if (subresource == null || subresource.equals("status")) {
      body = objectBody(ctx, p.kind(), p.namespace(), p.name());
    } else {
      body = parse(ctx);
    }
    translateVersion(p, body.path("metadata"));
    answer(ctx, 200, writes.send(p.cluster(), new ApiserverWriter.Request("PUT", p.kind(), p.namespace(), p.name(),
        subresource, passed(ctx), "application/json", body.toString())));
  }

  private void patch(Context ctx) {
    ObjectPath p = writable(ctx);
    ObjectWrites.PatchType type = ObjectWrites.PatchType.ofContentType(ctx.header("content-type"));
    if (type == null) {
      throw new ApiException(415, "UnsupportedMediaType", "PATCH needs Content-Type application/merge-patch+json,"
          + " application/strategic-merge-patch+json, application/json-patch+json or application/apply-patch+yaml");
    }
    JsonNode patch = type == ObjectWrites.PatchType.APPLY ? parseYaml(ctx) : parse(ctx);
    if (type == ObjectWrites.PatchType.JSON_PATCH ? !patch.isArray() : !patch.isObject()) {
      throw ApiException.badRequest(type == ObjectWrites.PatchType.JSON_PATCH
          ? "a JSON patch is an array of operations" : "a merge patch or apply configuration is a JSON object");
    }
    if (patch.isArray()) {
      for (JsonNode op : patch) {
        if (op.isObject() && op.path("path").asText().equals("/metadata/resourceVersion") && op.has("value")) {
          ((ObjectNode) op).put("value", clusterVersion(p, op.get("value")));
        }
      }
    } else {
      translateVersion(p, patch.path("metadata"));
    }
    // JSON is YAML: an apply configuration goes on as JSON.
    answer(ctx, 200, writes.send(p.cluster(), new ApiserverWriter.Request("PATCH", p.kind(), p.namespace(),
        p.name(), p.subresource(), passed(ctx), type.contentType, patch.toString())));
  }

  private void delete(Context ctx) {
    ObjectPath p = writable(ctx);
    String body = ctx.body().isBlank() ? null : deleteOptions(ctx);
    answer(ctx, 200, writes.send(p.cluster(), new ApiserverWriter.Request("DELETE", p.kind(), p.namespace(),
        p.name(), null, passed(ctx), "application/json", body)));
  }

  private void deleteCollection(Context ctx) {
    ObjectPath p = writable(ctx);
    String body = ctx.body().isBlank() ? null : deleteOptions(ctx);
    answer(ctx, 200, writes.send(p.cluster(), new ApiserverWriter.Request("DELETE", p.kind(),
        p.allNamespaces() ? null : p.namespace(), null, null, passed(ctx), "application/json", body)));
  }

  private static String deleteOptions(Context ctx) {
    JsonNode options = parse(ctx);
    if (!options.isObject()) {
      throw ApiException.badRequest("the body of a DELETE is DeleteOptions (a JSON object)");
    }
    return options.toString();
  }

  /** The apiserver's answer, showing the mirror's resourceVersion when the mirror stored the new state. */
  private static void answer(Context ctx, int status, ObjectWrites.Result r) {
    ctx.status(status).contentType("application/json");
    ctx.result(r.seq() > 0 ? ItemWriter.shown(r.result().toString(), new ItemWriter.Shown(null,
        Long.toString(r.seq()))) : r.result().toString());
  }

  /** Replaces a {@code metadata.resourceVersion} precondition in the mirror's space by the cluster's value. */
  private void translateVersion(ObjectPath p, JsonNode metadata) {
    if (metadata instanceof ObjectNode meta && meta.hasNonNull("resourceVersion")) {
      meta.put("resourceVersion", clusterVersion(p, meta.get("resourceVersion")));
    }
  }

  /** The cluster's resourceVersion of the object's state at the mirror's {@code seq}; 409 when it is not current. */
  private String clusterVersion(ObjectPath p, JsonNode seq) {
    String text = seq.asText("");
    if (text.isEmpty()) {
      return text;
    }
    String conflict = "Operation cannot be fulfilled on " + p.kind().qualifiedResource() + " \"" + p.name()
        + "\": the object has been modified; please apply your changes to the latest version and try again";
    if (!text.matches("[0-9]{1,18}")) {
      throw new ApiException(409, "Conflict", conflict);
    }
    QueryService.StoredObject stored = query.find(new ObjectKey(p.clusterId(), p.kind().group(), p.kind().resource(),
        p.namespace(), p.name())).orElseThrow(() -> new ApiException(409, "Conflict", conflict));
    if (stored.seq() != Long.parseLong(text)) {
      throw new ApiException(409, "Conflict", conflict);
    }
    try {
      return JSON.readTree(stored.objectJson()).path("metadata").path("resourceVersion").asText();
    } catch (IOException e) {
      throw new IllegalStateException("a stored object is not JSON", e);
    }
  }

  private static void requireJson(Context ctx) {
    String type = ctx.header("content-type");
    if (type != null && !type.isBlank() && !type.split(";", 2)[0].strip().equalsIgnoreCase("application/json")) {
      throw new ApiException(415, "UnsupportedMediaType", "send the object as application/json");
    }
  }

  /**
   * The request body as the object to write: apiVersion and kind must be those of the path (filled in when
   * absent), metadata.namespace that of the path, metadata.name (for PUT) that of the path.
   */
  private static ObjectNode objectBody(Context ctx, ResourceType kind, String namespace, String name) {
    JsonNode parsed = parse(ctx);
    if (!(parsed instanceof ObjectNode body)) {
      throw ApiException.badRequest("the body must be a Kubernetes object (a JSON object)");
    }
    expect(body, "apiVersion", kind.apiVersion());
    expect(body, "kind", kind.kind());
    JsonNode meta = body.get("metadata");
    if (meta == null || meta.isNull()) {
      meta = body.putObject("metadata");
    }
    if (!(meta instanceof ObjectNode metadata)) {
      throw ApiException.badRequest("metadata must be an object");
    }
    if (kind.namespaced()) {
      expect(metadata, "namespace", namespace);
    } else if (metadata.hasNonNull("namespace") && !metadata.get("namespace").asText().isEmpty()) {
      throw ApiException.badRequest(kind.resource() + " is cluster-scoped: metadata.namespace must be empty");
    }
    if (name != null) {
      expect(metadata, "name", name);
    } else if (!metadata.hasNonNull("name") && !metadata.hasNonNull("generateName")) {
      throw ApiException.badRequest("metadata.name (or metadata.generateName) is required");
    }
    if (metadata.hasNonNull("name")) {
      segment("metadata.name", metadata.get("name"));
    }
    return body;
  }

  /** Sets the field when absent; 400 when it is there with another value. */
  private static void expect(ObjectNode node, String field, String value) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      node.put(field, value);
    } else if (!v.isTextual() || !v.asText().equals(value)) {
      throw ApiException.badRequest(field + " is " + ObjectPathText.printable(v.toString()) + " but the path says \""
          + value + "\"");
    }
  }

  static JsonNode parse(Context ctx) {
    try {
      JsonNode n = JSON.readTree(ctx.body());
      if (n == null || n.isMissingNode()) {
        throw ApiException.badRequest("a JSON body is required");
      }
      return n;
    } catch (IOException e) {
      throw ApiException.badRequest("the body is not valid JSON (one document, no duplicate keys)");
    }
  }

  private static JsonNode parseYaml(Context ctx) {
    try {
      JsonNode n = YAML.readTree(ctx.body());
      if (n == null || n.isMissingNode()) {
        throw ApiException.badRequest("an apply configuration is required");
      }
      return n;
    } catch (IOException e) {
      throw ApiException.badRequest("the apply configuration is not valid YAML or JSON");
    }
  }

  private static void segment(String what, JsonNode value) {
    if (!value.isTextual()) {
      throw ApiException.badRequest(what + " must be a string");
    }
    try {
      ApiserverWriter.checkPathSegment(what, value.asText());
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  /** Values quoted for messages. */
  static final class ObjectPathText {
    private ObjectPathText() {}

    static String printable(String v) {
      return "\"" + ObjectPath.printable(v) + "\"";
    }
  }
}
