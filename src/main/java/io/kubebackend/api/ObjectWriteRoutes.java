package io.kubebackend.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.write.ApiserverWriter;
import io.kubebackend.write.ObjectWrites;
import java.io.IOException;
import java.util.List;

/**
 * Native write endpoints on Kubernetes-shaped paths: {@code POST} a collection creates, {@code PUT} an object
 * replaces, {@code PATCH} patches (JSON merge patch, strategic merge patch or JSON patch, by Content-Type),
 * {@code DELETE} deletes. Everything goes to the cluster's apiserver at the path's version; the answer is the
 * apiserver's, and it comes once the mirror shows the write. {@link NativeApiGuard} resolved and authorized the
 * path ({@link ObjectPath}) before the handler runs.
 */
public final class ObjectWriteRoutes implements Routes {
  /** Strict: trailing content after the document and duplicate keys are refused, not silently dropped. */
  static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private final ObjectWrites writes;

  public ObjectWriteRoutes(ObjectWrites writes) {
    this.writes = writes;
  }

  @Override
  public void register(Javalin app) {
    String base = "/api/v1/clusters/{cluster}";
    for (String prefix : List.of(base + "/api/{version}", base + "/apis/{group}/{version}")) {
      app.post(prefix + "/{resource}", this::create);
      app.post(prefix + "/namespaces/{namespace}/{resource}", this::create);
      for (String scope : List.of("", "/namespaces/{namespace}")) {
        String path = prefix + scope + "/{resource}/{name}";
        app.put(path, this::update);
        app.patch(path, this::patch);
        app.delete(path, this::delete);
      }
    }
  }

  private void create(Context ctx) {
    ObjectPath p = ObjectPath.of(ctx);
    if (p.allNamespaces()) {
      throw ApiException.notFound(p.kind().resource() + " is namespaced: POST to .../namespaces/{namespace}/"
          + p.kind().resource());
    }
    ObjectNode body = objectBody(ctx, p.kind(), p.namespace(), null);
    ctx.status(201).json(writes.create(p.cluster(), p.kind(), p.namespace(), body.toString()));
  }

  private void update(Context ctx) {
    ObjectPath p = ObjectPath.of(ctx);
    ObjectNode body = objectBody(ctx, p.kind(), p.namespace(), p.name());
    ctx.json(writes.update(p.cluster(), p.kind(), p.namespace(), p.name(), body.toString()));
  }

  private void patch(Context ctx) {
    ObjectPath p = ObjectPath.of(ctx);
    ObjectWrites.PatchType type = ObjectWrites.PatchType.ofContentType(ctx.header("content-type"));
    if (type == null) {
      throw new ApiException(415, "UnsupportedMediaType", "PATCH needs Content-Type "
          + "application/merge-patch+json, application/strategic-merge-patch+json or application/json-patch+json");
    }
    JsonNode patch = parse(ctx);
    if (type == ObjectWrites.PatchType.JSON_PATCH ? !patch.isArray() : !patch.isObject()) {
      throw ApiException.badRequest(type == ObjectWrites.PatchType.JSON_PATCH
          ? "a JSON patch is an array of operations" : "a merge patch is a JSON object");
    }
    ctx.json(writes.patch(p.cluster(), p.kind(), p.namespace(), p.name(), type, patch.toString()));
  }

  private void delete(Context ctx) {
    ObjectPath p = ObjectPath.of(ctx);
    ctx.json(writes.delete(p.cluster(), p.kind(), p.namespace(), p.name()));
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
      throw ApiException.badRequest(field + " is " + ObjectPath.printable(v.toString()) + " but the path says \""
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
}
