package io.kubebackend.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubebackend.store.Change;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeEventTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OBJECT = "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":"
      + "{\"name\":\"web\",\"namespace\":\"shop\",\"resourceVersion\":\"48213\"},\"spec\":{\"replicas\":3}}";

  private static ChangeEvent event(Change.Op op) {
    return new ChangeEvent(90412, op, 1764080000123L, "prod", "apps", "v1", "Deployment", "deployments", "shop",
        "web", "6f1c", "48213", OBJECT);
  }

  @Test
  void wireJsonHasTheDocumentedFieldsInOrderAndTheObjectVerbatim() throws Exception {
    String json = event(Change.Op.UPDATE).toJson();
    JsonNode n = JSON.readTree(json);
    List<String> fields = new ArrayList<>();
    n.fieldNames().forEachRemaining(fields::add);
    assertEquals(List.of("op", "cluster", "group", "version", "kind", "resource", "namespace", "name", "uid",
        "resourceVersion", "ts", "seq", "object"), fields);
    assertEquals("u", n.get("op").asText());
    assertEquals(90412, n.get("seq").asLong());
    assertEquals(1764080000123L, n.get("ts").asLong());
    assertEquals(3, n.at("/object/spec/replicas").asInt());
    // The stored JSON is embedded as is, not re-encoded as a string.
    assertEquals(true, json.endsWith("\"object\":" + OBJECT + "}"));
  }

  @Test
  void parseReadsBackWhatWasWritten() {
    for (Change.Op op : Change.Op.values()) {
      ChangeEvent e = event(op);
      assertEquals(e, ChangeEvent.parse(e.toJson()));
    }
  }

  @Test
  void kubesysViewMapsOpsToWatchTypes() throws Exception {
    assertEquals("ADDED", event(Change.Op.CREATE).kubesysType());
    assertEquals("ADDED", event(Change.Op.READ).kubesysType());
    assertEquals("MODIFIED", event(Change.Op.UPDATE).kubesysType());
    assertEquals("DELETED", event(Change.Op.DELETE).kubesysType());
    JsonNode n = JSON.readTree(event(Change.Op.DELETE).toKubesysJson());
    assertEquals("DELETED", n.get("type").asText());
    assertEquals(JSON.readTree(OBJECT), n.get("data"));
  }

  @Test
  void keyIsClusterGroupResourceNamespaceName() {
    assertEquals("prod/apps/deployments/shop/web", event(Change.Op.CREATE).key().path());
  }
}
