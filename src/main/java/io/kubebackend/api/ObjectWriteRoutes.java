package io.kubebackend.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.kubebackend.mirror.ClusterMirror;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.write.ApiserverWriter;
import io.kubebackend.write.ObjectWrites;
import io.kubebackend.write.ServedKind;
import io.kubebackend.write.ServedKinds;
import java.io.IOException;
import java.util.List;

/**
 * Native write endpoints on Kubernetes-shaped paths: {@code POST} a collection creates, {@code PUT} an object
 * replaces, {@code PATCH} patches (JSON merge patch, strategic merge patch or JSON patch, by Content-Type),
 * {@code DELETE} deletes. Everything goes to the cluster's apiserver; the answer is the apiserver's, and it comes
 * once the mirror shows the write. The caller's write permission is checked by {@link NativeApiGuard}.
 */
public final class ObjectWriteRoutes implements Routes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RuntimeMirror mirror;
  private final ServedKinds served;
  private final ObjectWrites writes;

  public ObjectWriteRoutes(RuntimeMirror mirror, ServedKinds served, ObjectWrites writes) {
    this.mirror = mirror;
    this.served = served;
    this.writes = writes;
  }

  @Override
  public void register(Javalin app) {
    String base = "/api/v1/clusters/{cluster}";
    for (String prefix : List.of(base + "/api/{version}", base + "/apis/{group}/{version}")) {
      app.post(prefix + "/{resource}", ctx -> create(ctx, null));
      app.post(prefix + "/namespaces/{namespace}/{resource}", ctx -> create(ctx, ctx.pathParam("namespace")));
      for (boolean namespaced : new boolean[] {false, true}) {
        String path = prefix + (namespaced ? "/namespaces/{namespace}" : "") + "/{resource}/{name}";
        app.put(path, ctx -> update(ctx, namespace(ctx)));
        app.patch(path, ctx -> patch(ctx, namespace(ctx)));
        app.delete(path, ctx -> delete(ctx, namespace(ctx)));
      }
    }
  }

  private static String namespace(Context ctx) {
    return ctx.pathParamMap().get("namespace");
  }

  /** The cluster and kind of the path, at the path's version; 404 if either is unknown. */
  private record Target(ClusterMirror cluster, ServedKind kind, String namespace) {}

  private Target target(Context ctx, String namespace) {
    String id = ctx.pathParam("cluster");
    ClusterMirror cluster = mirror.get(id)
        .orElseThrow(() -> ApiException.notFound("cluster " + id + " is not registered"));
    String group = ctx.pathParamMap().getOrDefault("group", "");
    String version = ctx.pathParam("version");
    String resource = ctx.pathParam("resource");
    ServedKind kind = served.all(cluster).values().stream()
        .filter(k -> k.group().equals(group) && k.resource().equals(resource)).findFirst()
        .map(k -> new ServedKind(k.group(), version, k.resource(), k.kind(), k.namespaced(), k.verbs()))
        .orElseThrow(() -> ApiException.notFound("cluster " + id + " does not serve "
            + (group.isEmpty() ? "" : group + "/") + version + " " + resource));
    if (kind.namespaced() != (namespace != null)) {
      throw ApiException.notFound(resource + (kind.namespaced() ? " is namespaced: use .../namespaces/{namespace}/"
          : " is cluster-scoped: drop the namespace from the path ") + resource);
    }
    if (namespace != null) {
      segment("namespace", namespace);
    }
    return new Target(cluster, kind, namespace == null ? "" : namespace);
  }

  private void create(Context ctx, String namespace) {
    Target t = target(ctx, namespace);
    ObjectNode body = objectBody(ctx, t, null);
    ctx.status(201).json(writes.create(t.cluster(), t.kind(), t.kind().apiVersion(), t.namespace(),
        body.toString()));
  }

  private void update(Context ctx, String namespace) {
    Target t = target(ctx, namespace);
    String name = segment("name", ctx.pathParam("name"));
    ObjectNode body = objectBody(ctx, t, name);
    ctx.json(writes.update(t.cluster(), t.kind(), t.kind().apiVersion(), t.namespace(), name, body.toString()));
  }

  private void patch(Context ctx, String namespace) {
    Target t = target(ctx, namespace);
    String name = segment("name", ctx.pathParam("name"));
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
    ctx.json(writes.patch(t.cluster(), t.kind(), t.namespace(), name, type, patch.toString()));
  }

  private void delete(Context ctx, String namespace) {
    Target t = target(ctx, namespace);
    String name = segment("name", ctx.pathParam("name"));
    ctx.json(writes.delete(t.cluster(), t.kind(), t.namespace(), name));
  }

  /**
   * The request body as the object to write: apiVersion and kind must be those of the path (filled in when
   * absent), metadata.namespace that of the path, metadata.name (for PUT) that of the path.
   */
  private static ObjectNode objectBody(Context ctx, Target t, String name) {
    JsonNode parsed = parse(ctx);
    if (!(parsed instanceof ObjectNode body)) {
      throw ApiException.badRequest("the body must be a Kubernetes object (a JSON object)");
    }
    expect(body, "apiVersion", t.kind().apiVersion());
    expect(body, "kind", t.kind().kind());
    JsonNode meta = body.get("metadata");
    if (meta == null || meta.isNull()) {
      meta = body.putObject("metadata");
    }
    if (!(meta instanceof ObjectNode metadata)) {
      throw ApiException.badRequest("metadata must be an object");
    }
    if (t.kind().namespaced()) {
      expect(metadata, "namespace", t.namespace());
    } else if (metadata.hasNonNull("namespace") && !metadata.get("namespace").asText().isEmpty()) {
      throw ApiException.badRequest(t.kind().resource() + " is cluster-scoped: metadata.namespace must be empty");
    }
    if (name != null) {
      expect(metadata, "name", name);
    } else if (!metadata.hasNonNull("name") && !metadata.hasNonNull("generateName")) {
      throw ApiException.badRequest("metadata.name (or metadata.generateName) is required");
    }
    if (metadata.hasNonNull("name")) {
      segment("metadata.name", metadata.get("name").asText());
    }
    return body;
  }

  /** Sets the field when absent; 400 when it is there with another value. */
  private static void expect(ObjectNode node, String field, String value) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      node.put(field, value);
    } else if (!v.isTextual() || !v.asText().equals(value)) {
      throw ApiException.badRequest(field + " is " + v + " but the path says \"" + value + "\"");
    }
  }

  private static JsonNode parse(Context ctx) {
    try {
      JsonNode n = JSON.readTree(ctx.body());
      if (n == null || n.isMissingNode()) {
        throw ApiException.badRequest("a JSON body is required");
      }
      return n;
    } catch (IOException e) {
      throw ApiException.badRequest("the body is not valid JSON");
    }
  }

  private static String segment(String what, String value) {
    try {
      ApiserverWriter.checkPathSegment(what, value);
      return value;
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }
}
