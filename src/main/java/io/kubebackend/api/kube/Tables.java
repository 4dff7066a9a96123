package io.kubebackend.api.kube;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.query.ItemWriter;
import io.kubebackend.query.PageSink;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code meta.k8s.io/v1} Tables, the form {@code kubectl get} asks for ({@code Accept:
 * application/json;as=Table;v=v1;g=meta.k8s.io}): column definitions from {@link TableColumns}, one row per object
 * with its cells and the object as {@code includeObject} asks (by default its metadata, which kubectl needs for the
 * NAMESPACE column and labels). The merged view of every cluster gets a CLUSTER column first.
 */
final class Tables {
  static final ObjectMapper JSON = new ObjectMapper();

  private Tables() {}

  /** Whether the request asks for a Table. */
  static boolean wanted(String accept) {
    return accept != null && accept.contains("as=Table") && accept.contains("g=meta.k8s.io");
  }

  /** The columns for a kind, with CLUSTER first for the merged view. */
  static List<TableColumns.Column> columns(ResourceType kind, JsonNode printerColumns, boolean allClusters) {
    List<TableColumns.Column> out = new ArrayList<>();
    if (allClusters) {
      out.add(new TableColumns.Column("Cluster", "string", "", "the cluster the object is in", 0,
          (o, now) -> o.path("metadata").path("annotations").path(ItemWriter.CLUSTER_ANNOTATION).asText("")));
    }
    out.addAll(TableColumns.of(kind, printerColumns));
    return out;
  }

  /** One row: its cells and the object as {@code includeObject} asks. */
  static ObjectNode row(List<TableColumns.Column> columns, JsonNode shown, String includeObject, Instant now) {
    ObjectNode row = JSON.createObjectNode();
    ArrayNode cells = row.putArray("cells");
    for (TableColumns.Column c : columns) {
      Object v = c.cell().apply(shown, now);
      cells.add(v == null ? JSON.nullNode() : JSON.valueToTree(v));
    }
    switch (includeObject) {
      case "None" -> { }
      case "Object" -> row.set("object", shown);
      default -> {
        ObjectNode meta = row.putObject("object").put("kind", "PartialObjectMetadata")
            .put("apiVersion", "meta.k8s.io/v1");
        meta.set("metadata", shown.path("metadata"));
      }
    }
    return row;
  }

  static ArrayNode definitions(List<TableColumns.Column> columns) {
    return JSON.valueToTree(TableColumns.definitions(columns));
  }

  /** Writes a page of a list as a Table, row by row. */
  static final class Sink implements PageSink {
    private final List<TableColumns.Column> columns;
    private final String includeObject;
    private final boolean allClusters;
    private final Clock clock;
    private final JsonGenerator g;
    private long head;

    Sink(List<TableColumns.Column> columns, String includeObject, boolean allClusters, Clock clock,
         OutputStream out) throws IOException {
      this.columns = columns;
      this.includeObject = includeObject;
      this.allClusters = allClusters;
      this.clock = clock;
      this.g = JSON.getFactory().createGenerator(out);
    }

    @Override
    public void start(Long total, long head) throws IOException {
      this.head = head;
      g.writeStartObject();
      g.writeStringField("kind", "Table");
      g.writeStringField("apiVersion", "meta.k8s.io/v1");
      g.writeFieldName("columnDefinitions");
      JSON.writeTree(g, definitions(columns));
      g.writeArrayFieldStart("rows");
    }

    @Override
    public void item(String cluster, long seq, String objectJson) throws IOException {
      JsonNode shown = JSON.readTree(ItemWriter.shown(objectJson,
          new ItemWriter.Shown(allClusters ? cluster : null, Long.toString(seq))));
      JSON.writeTree(g, row(columns, shown, includeObject, clock.instant()));
    }

    @Override
    public void end(String continueToken) throws IOException {
      g.writeEndArray();
      g.writeObjectFieldStart("metadata");
      g.writeStringField("resourceVersion", Long.toString(head));
      if (continueToken != null) {
        g.writeStringField("continue", continueToken);
      }
      g.writeEndObject();
      g.writeEndObject();
      g.close();
    }
  }
}
