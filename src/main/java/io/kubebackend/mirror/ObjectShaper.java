package io.kubebackend.mirror;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.store.Change;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
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
            g.writeFieldName(field);
            m.labelsJson = copyAlsoAsText(p, g);
            continue;
          }
        }
        case "ownerReferences" -> {
          if (value == JsonToken.START_ARRAY) {
            g.writeFieldName(field);
            m.owners = copyOwnerUids(p, g);
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

  /**
   * Copies the structure at {@code p}'s current token to {@code g} and returns it as JSON text of its own as well
   * (the labels column): one read, token by token, for both. A tree read and written twice cost a fifth of a sync's
   * CPU.
   */
  private static String copyAlsoAsText(JsonParser p, JsonGenerator g) throws IOException {
    StringWriter text = new StringWriter(128);
    try (JsonGenerator copy = FACTORY.createGenerator(text)) {
      int depth = 0;
      do {
        JsonToken t = p.currentToken();
        g.copyCurrentEvent(p);
        copy.copyCurrentEvent(p);
        depth += t.isStructStart() ? 1 : t.isStructEnd() ? -1 : 0;
      } while (depth > 0 && p.nextToken() != null);
    }
    return text.toString();
  }

  /**
   * Copies the {@code ownerReferences} array at {@code p}'s current token to {@code g}, taking each reference's
   * {@code uid} on the way (the last one, as a JSON tree would keep it, when a reference repeats the field), once
   * each and only when it is a string.
   */
  private static List<String> copyOwnerUids(JsonParser p, JsonGenerator g) throws IOException {
    List<String> out = new ArrayList<>(2);
    int depth = 0;
    boolean uidNext = false;
    String uid = null;
    do {
      JsonToken t = p.currentToken();
      g.copyCurrentEvent(p);
      if (uidNext) {
        uid = t == JsonToken.VALUE_STRING ? p.getText() : null;
      }
      uidNext = depth == 2 && t == JsonToken.FIELD_NAME && p.currentName().equals("uid");
      if (t.isStructStart()) {
        depth++;
        if (depth == 2) {
          uid = null; // a reference begins
        }
      } else if (t.isStructEnd()) {
        if (depth == 2 && t == JsonToken.END_OBJECT && uid != null && !out.contains(uid)) {
          out.add(uid);
        }
        depth--;
      }
    } while (depth > 0 && p.nextToken() != null);
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

  /**
   * Epoch milliseconds of an RFC 3339 time, null when it is not one. The apiserver writes whole seconds in UTC
   * ({@code 2024-05-01T12:00:00Z}); those are read here digit by digit, every other form by {@link Instant#parse},
   * which builds its parse state anew per call and took a sixth of a sync's CPU.
   */
  static Long created(String ts) {
    if (ts == null) {
      return null;
    }
    if (ts.length() == 20 && ts.charAt(4) == '-' && ts.charAt(7) == '-' && ts.charAt(10) == 'T'
        && ts.charAt(13) == ':' && ts.charAt(16) == ':' && ts.charAt(19) == 'Z') {
      int year = digits(ts, 0, 4);
      int month = digits(ts, 5, 2);
      int day = digits(ts, 8, 2);
      int hour = digits(ts, 11, 2);
      int minute = digits(ts, 14, 2);
      int second = digits(ts, 17, 2);
      if (year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour >= 0 && hour < 24
          && minute >= 0 && minute < 60 && second >= 0 && second < 60) {
        try {
          long epochDay = LocalDate.of(year, month, day).toEpochDay();
          return ((epochDay * 24 + hour) * 60 + minute) * 60_000L + second * 1000L;
        } catch (DateTimeException noSuchDay) {
          return null; // as Instant.parse: 2023-02-29 is no day
        }
      }
    }
    try {
      return Instant.parse(ts).toEpochMilli();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** The ASCII decimal number of {@code count} characters at {@code from}; -1 when one is not a digit. */
  private static int digits(String s, int from, int count) {
    int n = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  private static String nullIfEmpty(String s) {
    return s.isEmpty() ? null : s;
  }
}
