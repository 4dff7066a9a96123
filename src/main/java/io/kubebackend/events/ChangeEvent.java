package io.kubebackend.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubebackend.store.Change;
import io.kubebackend.store.ObjectKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * One outbox event: the wire type published to Kafka and streamed over SSE. Debezium-like, flat:
 *
 * <pre>{"op":"u","cluster":"prod","group":"apps","version":"v1","kind":"Deployment","resource":"deployments",
 *  "namespace":"shop","name":"web","uid":"...","resourceVersion":"48213","ts":1764080000123,"seq":90412,
 *  "object":{...the full object after the change; for "d" the last known object...}}</pre>
 *
 * @param seq             the outbox sequence: global, strictly increasing in commit order (gaps are possible)
 * @param op              {@code c} create, {@code u} update, {@code d} delete, {@code r} read by a (re)list
 * @param ts              when the change was committed to the database, epoch ms
 * @param namespace       "" for cluster-scoped objects (as in the event key)
 * @param objectJson      the object as JSON text (written raw, never re-encoded)
 */
public record ChangeEvent(long seq, Change.Op op, long ts, String cluster, String group, String version,
                          String kind, String resource, String namespace, String name, String uid,
                          String resourceVersion, String objectJson) {
  private static final JsonFactory JSON = new JsonFactory();
  private static final ObjectMapper PARSER = new ObjectMapper();

  public ObjectKey key() {
    return new ObjectKey(cluster, group, resource, namespace, name);
  }

  /** The event's JSON as published (UTF-8). */
  public byte[] toJsonBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(objectJson.length() + 320);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("op", op.code);
      g.writeStringField("cluster", cluster);
      g.writeStringField("group", group);
      g.writeStringField("version", version);
      g.writeStringField("kind", kind);
      g.writeStringField("resource", resource);
      g.writeStringField("namespace", namespace);
      g.writeStringField("name", name);
      g.writeStringField("uid", uid);
      g.writeStringField("resourceVersion", resourceVersion);
      g.writeNumberField("ts", ts);
      g.writeNumberField("seq", seq);
      g.writeFieldName("object");
      g.writeRawValue(objectJson);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public String toJson() {
    return new String(toJsonBytes(), StandardCharsets.UTF_8);
  }

  /**
   * The kubesys watch type of this event. A snapshot read is ADDED, as an informer reports the objects of its
   * initial list; a consumer that already has the object treats it as MODIFIED (same rule as client-go).
   */
  public String kubesysType() {
    return switch (op) {
      case CREATE, READ -> "ADDED";
      case UPDATE -> "MODIFIED";
      case DELETE -> "DELETED";
    };
  }

  /** The kubesys-compatible view: {@code {"type":"ADDED|MODIFIED|DELETED","data":<object>}}. */
  public String toKubesysJson() {
    return "{\"type\":\"" + kubesysType() + "\",\"data\":" + objectJson + "}";
  }

  /** Reads an event back from its JSON (for consumers written in Java, and tests). */
  public static ChangeEvent parse(String json) {
    try {
      JsonNode n = PARSER.readTree(json);
      return new ChangeEvent(n.path("seq").asLong(), Change.Op.ofCode(n.path("op").asText()), n.path("ts").asLong(),
          n.path("cluster").asText(), n.path("group").asText(), n.path("version").asText(),
          n.path("kind").asText(), n.path("resource").asText(), n.path("namespace").asText(),
          n.path("name").asText(), n.path("uid").asText(), n.path("resourceVersion").asText(),
          n.path("object").toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("not a change event: " + e.getMessage(), e);
    }
  }
}
