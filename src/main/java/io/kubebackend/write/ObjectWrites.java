package io.kubebackend.write;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubebackend.cluster.Cluster;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.store.ObjectKey;

/**
 * Writes to a cluster's apiserver that return only once the mirror shows them (bounded by
 * {@link ReadYourWrites}), so a read from the database right after a write already reflects it. Shared by the
 * kubesys API and the native API; callers authorize and validate first.
 */
public final class ObjectWrites {
  /** How a PATCH body is to be read, as the apiserver names it in the Content-Type. */
  public enum PatchType {
    MERGE("application/merge-patch+json"),
    STRATEGIC_MERGE("application/strategic-merge-patch+json"),
    JSON_PATCH("application/json-patch+json"),
    /** Server-side apply. */
    APPLY("application/apply-patch+yaml");

    public final String contentType;

    PatchType(String contentType) {
      this.contentType = contentType;
    }

    /** The patch type of a Content-Type header, or null if it names none. */
    public static PatchType ofContentType(String header) {
      if (header == null) {
        return null;
      }
      String bare = header.split(";", 2)[0].strip().toLowerCase();
      for (PatchType t : values()) {
        if (t.contentType.equals(bare)) {
          return t;
        }
      }
      return null;
    }
  }

  private final ApiserverWriter writer;
  private final ReadYourWrites readYourWrites;

  public ObjectWrites(ApiserverWriter writer, ReadYourWrites readYourWrites) {
    this.writer = writer;
    this.readYourWrites = readYourWrites;
  }

  /**
   * A write the Kubernetes API passes through: any method, subresource and query, and its result once the mirror
   * shows it (unless it is a dry run or acts on a collection).
   *
   * @param result the apiserver's answer
   * @param seq    the outbox seq of the object's new state in the mirror, 0 if the write was not awaited or the
   *               mirror does not keep the kind
   */
  public record Result(JsonNode result, long seq) {}

  public Result send(Cluster cluster, ApiserverWriter.Request request) {
    long mark = readYourWrites.mark();
    JsonNode result = writer.send(cluster, request).body();
    if (request.query().containsKey("dryRun") || request.name() == null && !request.method().equals("POST")) {
      return new Result(result, 0);
    }
    String namespace = request.namespace() == null ? "" : request.namespace();
    if (request.method().equals("DELETE") && request.subresource() == null) {
      ObjectKey key = new ObjectKey(cluster.id(), request.kind().group(), request.kind().resource(), namespace,
          request.name());
      if (readYourWrites.mirrored(key)) {
        boolean status = "Status".equals(result.path("kind").asText());
        readYourWrites.awaitDeleted(key, mark, status ? result.path("details").path("uid").asText(null)
            : result.path("metadata").path("uid").asText(null), status ? null
            : result.path("metadata").path("resourceVersion").asText(null));
      }
      return new Result(result, 0);
    }
    return new Result(result, awaitStored(cluster, request.kind(), namespace, result, mark));
  }

  /** Creates an object of {@code kind} (at the version to address) in {@code namespace} ("" if cluster-scoped). */
  public JsonNode create(Cluster cluster, ResourceType kind, String namespace, String json) {
    long mark = readYourWrites.mark();
    JsonNode result = writer.create(cluster, kind, namespace, json).body();
    awaitStored(cluster, kind, namespace, result, mark);
    return result;
  }

  public JsonNode update(Cluster cluster, ResourceType kind, String namespace, String name, String json) {
    long mark = readYourWrites.mark();
    JsonNode result = writer.update(cluster, kind, namespace, name, json).body();
    awaitStored(cluster, kind, namespace, result, mark);
    return result;
  }

  /** How often {@link #replace} reads the object again after a conflict before it gives up with 409. */
  static final int REPLACE_ATTEMPTS = 5;

  /**
   * Replaces the object. With {@code metadata.resourceVersion} it is the apiserver's conditional update. Without
   * one it is unconditional, for every kind (the apiserver allows that only for some built-ins): the current
   * resourceVersion is read from the apiserver and sent with the object; if the object changed in between
   * (409 Conflict) this reads again, up to {@link #REPLACE_ATTEMPTS} times, and then answers the conflict.
   */
  public JsonNode replace(Cluster cluster, ResourceType kind, String namespace, String name, ObjectNode object) {
    JsonNode metadata = object.path("metadata");
    if (metadata.hasNonNull("resourceVersion") && !metadata.path("resourceVersion").asText().isEmpty()) {
      return update(cluster, kind, namespace, name, object.toString());
    }
    ObjectNode meta = object.withObjectProperty("metadata");
    for (int attempt = 1; ; attempt++) {
      String current = writer.get(cluster, kind, namespace, name).body().path("metadata").path("resourceVersion")
          .asText();
      meta.put("resourceVersion", current);
      try {
        return update(cluster, kind, namespace, name, object.toString());
      } catch (ApiserverException e) {
        if (e.status() != 409 || !"Conflict".equals(e.reason())) {
          throw e;
        }
        if (attempt == REPLACE_ATTEMPTS) {
          throw new ApiserverException(409, "Conflict", "the object changed on the apiserver during each of "
              + REPLACE_ATTEMPTS + " attempts to replace it; try again", e);
        }
      }
    }
  }

  /** Creates the object, or replaces it when it already exists. */
  /** Creates the object, or replaces it ({@link #replace}) when it already exists. */
  public JsonNode createOrUpdate(Cluster cluster, ResourceType kind, String namespace, String name,
                                 ObjectNode object) {
    long mark = readYourWrites.mark();
    JsonNode result;
    try {
      result = writer.create(cluster, kind, namespace, object.toString()).body();
    } catch (ApiserverException e) {
      if (e.status() != 409 || !"AlreadyExists".equals(e.reason())) {
        throw e;
      }
      return replace(cluster, kind, namespace, name, object);
    }
    awaitStored(cluster, kind, namespace, result, mark);
    return result;
  }

  public JsonNode patch(Cluster cluster, ResourceType kind, String namespace, String name, PatchType type,
                        String patch) {
    long mark = readYourWrites.mark();
    JsonNode result = writer.patch(cluster, kind, namespace, name, type.contentType, patch).body();
    awaitStored(cluster, kind, namespace, result, mark);
    return result;
  }

  /** Deletes; the apiserver's answer is the object (still there while finalizers run) or a Status. */
  public JsonNode delete(Cluster cluster, ResourceType kind, String namespace, String name) {
    long mark = readYourWrites.mark();
    JsonNode result = writer.delete(cluster, kind, namespace, name).body();
    ObjectKey key = new ObjectKey(cluster.id(), kind.group(), kind.resource(), namespace, name);
    if (readYourWrites.mirrored(key)) {
      boolean status = "Status".equals(result.path("kind").asText());
      String uid = status ? result.path("details").path("uid").asText(null)
          : result.path("metadata").path("uid").asText(null);
      String kept = status ? null : result.path("metadata").path("resourceVersion").asText(null);
      readYourWrites.awaitDeleted(key, mark, uid, kept);
    }
    return result;
  }

  /** Waits until the mirror shows the result; returns its outbox seq, 0 if not mirrored or not in time. */
  private long awaitStored(Cluster cluster, ResourceType kind, String namespace, JsonNode result, long mark) {
    JsonNode meta = result.path("metadata");
    String rv = meta.path("resourceVersion").asText("");
    String name = meta.path("name").asText("");
    if (name.isEmpty() || rv.isEmpty()) {
      return 0;
    }
    ObjectKey key = new ObjectKey(cluster.id(), kind.group(), kind.resource(), namespace, name);
    return readYourWrites.mirrored(key) ? readYourWrites.awaitStored(key, mark, rv) : 0;
  }
}
