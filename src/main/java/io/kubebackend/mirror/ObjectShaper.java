package io.kubebackend.mirror;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.store.Change;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns an object from the apiserver into a store row in one streaming pass over its JSON: the tokens are copied
 * to the stored JSON as they are read, what must not be stored is skipped at the token level (Secret data, and the
 * copy of it in kubectl's last-applied-configuration annotation, unless the cluster is configured to keep it;
 * managedFields unless kept), apiVersion/kind are added where missing (list
 * items of built-in types come without them), and the indexed columns are taken on the way. No object model is
 * built, and nothing is serialized a second time.
 *
 * <p>When the caller already has the object at its resourceVersion ({@link Unchanged}), the rest of the object is
 * skipped as soon as its metadata has been read: a re-list over a synced database only tokenizes what follows.
 */
final class ObjectShaper {
  /** Plain Jackson: the same string escaping as the serializer that stored objects before this class. */
  static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory FACTORY = JSON.getFactory();

  private final String cluster;
  private final ResourceType type;
  private final boolean dropSecretData;
  private final boolean keepManagedFields;

  /** Whether the caller already stores the object {@code namespace/name} at {@code resourceVersion}. */
  @FunctionalInterface
  interface Unchanged {
    boolean test(String key, String resourceVersion);
  }

  /** An object as shaped: its indexed fields and its stored JSON. */
  record Shaped(String namespace, String name, String uid, String resourceVersion, String labelsJson,
                List<String> ownerUids, Long createdMs, String json) {
    String key() {
      return ObjectShaper.key(namespace, name);
    }
  }

  ObjectShaper(String cluster, ResourceType type, boolean keepSecretData, boolean keepManagedFields) {
    this.cluster = cluster;
    this.type = type;
    this.dropSecretData = !keepSecretData && type.group().isEmpty() && type.resource().equals("secrets");
    this.keepManagedFields = keepManagedFields;
  }

  /** The sync's index key of an object. */
  static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  /** Shapes one whole JSON object (a watch event's). */
  Shaped shape(String json) {
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not a JSON object");
      }
      return read(p, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads the object whose {@code START_OBJECT} is {@code p}'s current token, up to and including its
   * {@code END_OBJECT}. Returns null, with the object consumed, when {@code unchanged} says it is stored already.
   */
  Shaped read(JsonParser p, Unchanged unchanged) throws IOException {
    StringWriter out = new StringWriter(1024);
    Meta meta = null;
    boolean apiVersion = false;
    boolean kind = false;
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("metadata") && value == JsonToken.START_OBJECT && meta == null) {
          g.writeFieldName(field);
          meta = metadata(p, g);
          if (unchanged != null && meta.name != null
              && unchanged.test(key(meta.namespace, meta.name), meta.resourceVersion)) {
            skipRest(p);
            return null;
          }
          continue;
        }
        if (field.equals("metadata")) {
          throw new IllegalArgumentException("an object with more than one metadata"); // the indexed one is ambiguous
        }
        if (dropSecretData && (field.equals("data") || field.equals("stringData"))
            || value == JsonToken.VALUE_NULL && (field.equals("apiVersion") || field.equals("kind"))) {
          p.skipChildren();
          continue;
        }
        apiVersion |= field.equals("apiVersion");
        kind |= field.equals("kind");
        g.writeFieldName(field);
        g.copyCurrentStructure(p);
      }
      if (!apiVersion) {
        g.writeStringField("apiVersion", type.apiVersion());
      }
      if (!kind) {
        g.writeStringField("kind", type.kind());
      }
      g.writeEndObject();
    }
    if (meta == null || meta.name == null) {
      throw new IllegalArgumentException("an object without metadata.name");
    }
    return new Shaped(meta.namespace, meta.name, meta.uid, meta.resourceVersion, meta.labelsJson, meta.owners,
        meta.created, out.toString());
  }

  Change.Upsert upsert(Shaped s, Change.Op op) {
    return new Change.Upsert(cluster, type, s.namespace(), s.name(), s.uid(), s.resourceVersion(), s.labelsJson(),
        s.ownerUids(), s.createdMs(), s.json(), op);
  }

  Change.Delete delete(Shaped s) {
    return new Change.Delete(cluster, type, s.namespace(), s.name(), nullIfEmpty(s.uid()),
        nullIfEmpty(s.resourceVersion()), s.json());
  }

  /** The indexed fields of {@code metadata}, as it is copied. Missing strings are empty, as the rows store them. */
  private static final class Meta {
    String namespace = "";
    String name;
    String uid = "";
    String resourceVersion = "";
    String labelsJson = "{}";
    List<String> owners = List.of();
    Long created;
  }

  private Meta metadata(JsonParser p, JsonGenerator g) throws IOException {
    Meta m = new Meta();
    g.writeStartObject();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "managedFields" -> {
          if (!keepManagedFields) {
            p.skipChildren();
            continue;
          }
        }
        case "annotations" -> {
          if (dropSecretData && value == JsonToken.START_OBJECT) {
            g.writeFieldName(field);
            annotationsWithoutLastApplied(p, g);
            continue;
          }
        }
        case "labels" -> {
          if (value == JsonToken.START_OBJECT) {
            JsonNode labels = JSON.readTree(p);
            m.labelsJson = JSON.writeValueAsString(labels);
            g.writeFieldName(field);
            JSON.writeTree(g, labels);
            continue;
          }
        }
        case "ownerReferences" -> {
          if (value == JsonToken.START_ARRAY) {
            JsonNode refs = JSON.readTree(p);
            m.owners = ownerUids(refs);
            g.writeFieldName(field);
            JSON.writeTree(g, refs);
            continue;
          }
        }
        case "namespace" -> m.namespace = text(p, m.namespace);
        case "name" -> m.name = text(p, m.name);
        case "uid" -> m.uid = text(p, m.uid);
        case "resourceVersion" -> m.resourceVersion = text(p, m.resourceVersion);
        case "creationTimestamp" -> m.created = created(text(p, null));
        default -> { }
      }
      g.writeFieldName(field);
      g.copyCurrentStructure(p);
    }
    g.writeEndObject();
    return m;
  }

  /**
   * A Secret's annotations without kubectl's last-applied-configuration, which holds the Secret as it was applied,
   * data and stringData included.
   */
  private static void annotationsWithoutLastApplied(JsonParser p, JsonGenerator g) throws IOException {
    g.writeStartObject();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      p.nextToken();
      if (key.equals(LAST_APPLIED)) {
        p.skipChildren();
      } else {
        g.writeFieldName(key);
        g.copyCurrentStructure(p);
      }
    }
    g.writeEndObject();
  }

  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  private static List<String> ownerUids(JsonNode refs) {
    List<String> out = new ArrayList<>(refs.size());
    for (JsonNode ref : refs) {
      JsonNode uid = ref.get("uid");
      if (uid != null && uid.isTextual() && !out.contains(uid.asText())) {
        out.add(uid.asText());
      }
    }
    return List.copyOf(out);
  }

  /** Skips the fields left in the current object, and its end. */
  private static void skipRest(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      p.nextToken();
      p.skipChildren();
    }
  }

  private static String text(JsonParser p, String otherwise) throws IOException {
    return p.currentToken() == JsonToken.VALUE_STRING ? p.getText() : otherwise;
  }

  private static Long created(String ts) {
    if (ts == null) {
      return null;
    }
    try {
      return Instant.parse(ts).toEpochMilli();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String nullIfEmpty(String s) {
    return s.isEmpty() ? null : s;
  }
}
