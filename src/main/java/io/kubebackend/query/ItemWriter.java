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
 * Writes one stored object as a list item. Results span clusters, so every item names its cluster in the
 * annotation {@value #CLUSTER_ANNOTATION} (as Clusterpedia does), added while the stored JSON is copied token by
 * token, without building a tree. With {@code fields}, only those paths are kept, plus what identifies the object:
 * apiVersion, kind, metadata.name, metadata.namespace and the cluster annotation.
 */
final class ItemWriter {
  static final String CLUSTER_ANNOTATION = "kubebackend.io/cluster";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory FACTORY = JSON.getFactory();
  private static final List<JsonPath> IDENTITY = List.of(JsonPath.parse("apiVersion"), JsonPath.parse("kind"),
      JsonPath.parse("metadata.name"), JsonPath.parse("metadata.namespace"));

  private ItemWriter() {}

  /** {@code cluster} null writes the object without the cluster annotation. */
  static void write(JsonGenerator g, String cluster, String objectJson, List<JsonPath> fields) throws IOException {
    if (cluster == null && fields.isEmpty()) {
      g.writeRawValue(objectJson);
    } else if (fields.isEmpty()) {
      copyWithClusterAnnotation(g, cluster, objectJson);
    } else {
      JSON.writeTree(g, project(cluster, JSON.readTree(objectJson), fields));
    }
  }

  private static void copyWithClusterAnnotation(JsonGenerator g, String cluster, String objectJson)
      throws IOException {
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
          copyMetadata(g, p, cluster);
          sawMetadata = true;
        } else {
          g.copyCurrentStructure(p);
        }
      }
      if (!sawMetadata) {
        g.writeObjectFieldStart("metadata");
        writeAnnotations(g, cluster);
        g.writeEndObject();
      }
      g.writeEndObject();
    }
  }

  private static void copyMetadata(JsonGenerator g, JsonParser p, String cluster) throws IOException {
    g.writeStartObject();
    boolean sawAnnotations = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (name.equals("annotations") && value == JsonToken.START_OBJECT) {
        g.writeObjectFieldStart("annotations");
        g.writeStringField(CLUSTER_ANNOTATION, cluster);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          p.nextToken();
          if (key.equals(CLUSTER_ANNOTATION)) {
            p.skipChildren(); // ours wins: the object's own value would be a duplicate key
          } else {
            g.writeFieldName(key);
            g.copyCurrentStructure(p);
          }
        }
        g.writeEndObject();
        sawAnnotations = true;
      } else if (name.equals("annotations")) {
        p.skipChildren(); // null: replaced by ours
      } else {
        g.writeFieldName(name);
        g.copyCurrentStructure(p);
      }
    }
    if (!sawAnnotations) {
      writeAnnotations(g, cluster);
    }
    g.writeEndObject();
  }

  private static void writeAnnotations(JsonGenerator g, String cluster) throws IOException {
    g.writeObjectFieldStart("annotations");
    g.writeStringField(CLUSTER_ANNOTATION, cluster);
    g.writeEndObject();
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
