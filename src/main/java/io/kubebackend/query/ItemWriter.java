package io.kubebackend.query;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

/**
 * Writes one stored object as an API shows it, copying the stored JSON token by token (no tree) while it adds what
 * the stored object lacks: the annotation {@value #CLUSTER_ANNOTATION} naming its cluster (results that span
 * clusters carry it, as Clusterpedia's do), and, where the API speaks the mirror's resourceVersions (the Kubernetes
 * API), {@code metadata.resourceVersion} set to the outbox seq of the object's last change with the cluster's own
 * value kept in {@value #CLUSTER_RESOURCE_VERSION_ANNOTATION}. With {@code fields}, only those paths are kept, plus
 * what identifies the object: apiVersion, kind, metadata.name, metadata.namespace and the cluster annotation.
 */
public final class ItemWriter {
  public static final String CLUSTER_ANNOTATION = "kubebackend.io/cluster";
  public static final String CLUSTER_RESOURCE_VERSION_ANNOTATION = "kubebackend.io/cluster-resource-version";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory FACTORY = JSON.getFactory();
  private static final List<JsonPath> IDENTITY = List.of(JsonPath.parse("apiVersion"), JsonPath.parse("kind"),
      JsonPath.parse("metadata.name"), JsonPath.parse("metadata.namespace"));

  private ItemWriter() {}

  /**
   * How to show an object.
   *
   * @param cluster         the cluster to name in {@value #CLUSTER_ANNOTATION}, or null for none
   * @param resourceVersion the resourceVersion to show (the mirror's), or null to keep the stored one
   */
  public record Shown(String cluster, String resourceVersion) {
    public static final Shown AS_STORED = new Shown(null, null);
  }

  /** {@code cluster} null writes the object without the cluster annotation. */
  static void write(JsonGenerator g, String cluster, String objectJson, List<JsonPath> fields) throws IOException {
    if (fields.isEmpty()) {
      write(g, objectJson, new Shown(cluster, null));
    } else {
      JSON.writeTree(g, project(cluster, JSON.readTree(objectJson), fields));
    }
  }

  /** Writes the whole object as {@code shown} says. */
  public static void write(JsonGenerator g, String objectJson, Shown shown) throws IOException {
    if (shown.cluster() == null && shown.resourceVersion() == null) {
      g.writeRawValue(objectJson);
      return;
    }
    try (JsonParser p = FACTORY.createParser(objectJson)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("stored object is not a JSON object");
      }
      g.writeStartObject();
      boolean sawMetadata = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        g.writeFieldName(name);
        if (name.equals("metadata") && value == JsonToken.START_OBJECT) {
          copyMetadata(g, p, shown);
          sawMetadata = true;
        } else {
          g.copyCurrentStructure(p);
        }
      }
      if (!sawMetadata) {
        g.writeObjectFieldStart("metadata");
        if (shown.resourceVersion() != null) {
          g.writeStringField("resourceVersion", shown.resourceVersion());
        }
        if (shown.cluster() != null) {
          g.writeObjectFieldStart("annotations");
          writeAdded(g, shown, null);
          g.writeEndObject();
        }
        g.writeEndObject();
      }
      g.writeEndObject();
    }
  }

  /** The object as {@code shown} says, as text (for single objects and watch events). */
  public static String shown(String objectJson, Shown shown) {
    java.io.StringWriter out = new java.io.StringWriter(objectJson.length() + 128);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g, objectJson, shown);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void copyMetadata(JsonGenerator g, JsonParser p, Shown shown) throws IOException {
    g.writeStartObject();
    boolean sawAnnotations = false;
    String storedVersion = null;
    // resourceVersion comes before annotations in the apiserver's field order, but nothing guarantees it: the
    // annotations are written last, once the stored value is known.
    String annotationsJson = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (name.equals("annotations") && value == JsonToken.START_OBJECT) {
        java.io.StringWriter buf = new java.io.StringWriter();
        try (JsonGenerator a = FACTORY.createGenerator(buf)) {
          a.copyCurrentStructure(p);
        }
        annotationsJson = buf.toString();
        sawAnnotations = true;
      } else if (name.equals("annotations")) {
        p.skipChildren(); // null: replaced by ours
      } else if (name.equals("resourceVersion") && shown.resourceVersion() != null) {
        storedVersion = p.getValueAsString();
        g.writeStringField("resourceVersion", shown.resourceVersion());
      } else {
        g.writeFieldName(name);
        g.copyCurrentStructure(p);
      }
    }
    if (shown.resourceVersion() != null && storedVersion == null) {
      g.writeStringField("resourceVersion", shown.resourceVersion());
    }
    if (sawAnnotations || shown.cluster() != null || storedVersion != null) {
      g.writeObjectFieldStart("annotations");
      writeAdded(g, shown, storedVersion);
      if (annotationsJson != null) {
        try (JsonParser a = FACTORY.createParser(annotationsJson)) {
          a.nextToken();
          while (a.nextToken() == JsonToken.FIELD_NAME) {
            String key = a.currentName();
            a.nextToken();
            if (key.equals(CLUSTER_ANNOTATION) || key.equals(CLUSTER_RESOURCE_VERSION_ANNOTATION)) {
              a.skipChildren(); // ours win: the object's own value would be a duplicate key
            } else {
              g.writeFieldName(key);
              g.copyCurrentStructure(a);
            }
          }
        }
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  /** Our annotations, inside an annotations object being written. */
  private static void writeAdded(JsonGenerator g, Shown shown, String storedVersion) throws IOException {
    if (shown.cluster() != null) {
      g.writeStringField(CLUSTER_ANNOTATION, shown.cluster());
    }
    if (storedVersion != null) {
      g.writeStringField(CLUSTER_RESOURCE_VERSION_ANNOTATION, storedVersion);
    }
  }

  static ObjectNode project(String cluster, JsonNode object, List<JsonPath> fields) {
    ObjectNode out = JSON.createObjectNode();
    for (List<JsonPath> paths : List.of(IDENTITY, fields)) {
      for (JsonPath path : paths) {
        JsonNode value = object;
        for (String key : path.postgresPath()) {
          value = value.path(key);
        }
        if (!value.isMissingNode()) {
          ObjectNode parent = parentOf(out, path);
          if (parent != null) {
            parent.set(path.postgresPath()[path.segments().size() - 1], value.deepCopy());
          }
        }
      }
    }
    if (cluster != null) {
      ObjectNode metadata = out.path("metadata") instanceof ObjectNode m ? m : out.putObject("metadata");
      ObjectNode annotations = metadata.path("annotations") instanceof ObjectNode a ? a
          : metadata.putObject("annotations");
      annotations.put(CLUSTER_ANNOTATION, cluster);
    }
    return out;
  }

  /** The object node that holds the last key of the path, created as needed; null if a scalar is in the way. */
  private static ObjectNode parentOf(ObjectNode root, JsonPath path) {
    ObjectNode node = root;
    String[] keys = path.postgresPath();
    for (int i = 0; i < keys.length - 1; i++) {
      JsonNode child = node.get(keys[i]);
      if (child == null) {
        node = node.putObject(keys[i]);
      } else if (child instanceof ObjectNode o) {
        node = o;
      } else {
        return null;
      }
    }
    return node;
  }
}
