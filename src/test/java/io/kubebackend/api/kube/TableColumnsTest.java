package io.kubebackend.api.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubebackend.cluster.ResourceType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TableColumnsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  private static List<Object> cells(ResourceType kind, JsonNode crdColumns, JsonNode object) {
    return TableColumns.of(kind, crdColumns).stream().map(c -> c.cell().apply(object, NOW)).toList();
  }

  @Test
  void agesReadAsTheApiserverWritesThem() {
    assertEquals("0s", HumanDuration.of(Duration.ofMillis(-900)));
    assertEquals("<invalid>", HumanDuration.of(Duration.ofSeconds(-5)));
    assertEquals("45s", HumanDuration.of(Duration.ofSeconds(45)));
    assertEquals("119s", HumanDuration.of(Duration.ofSeconds(119)));
    assertEquals("5m30s", HumanDuration.of(Duration.ofSeconds(330)));
    assertEquals("5m", HumanDuration.of(Duration.ofMinutes(5)));
    assertEquals("42m", HumanDuration.of(Duration.ofMinutes(42)));
    assertEquals("3h10m", HumanDuration.of(Duration.ofMinutes(190)));
    assertEquals("30h", HumanDuration.of(Duration.ofHours(30)));
    assertEquals("2d4h", HumanDuration.of(Duration.ofHours(52)));
    assertEquals("400d", HumanDuration.of(Duration.ofDays(400)));
    assertEquals("3y2d", HumanDuration.of(Duration.ofDays(365 * 3 + 2)));
    assertEquals("9y", HumanDuration.of(Duration.ofDays(365 * 9 + 20)));
  }

  @Test
  void podsPrintReadyStatusRestartsAndAge() throws Exception {
    ResourceType pods = new ResourceType("", "v1", "pods", "Pod", true);
    JsonNode pod = json("""
        {"metadata":{"name":"web-1","creationTimestamp":"2026-12-02T11:55:00Z"},
         "spec":{"containers":[{"name":"a"},{"name":"b"}],"nodeName":"n1"},
         "status":{"phase":"Running","podIP":"10.0.0.5","containerStatuses":[
           {"ready":true,"restartCount":2,"state":{"running":{}},
            "lastState":{"terminated":{"finishedAt":"2026-12-02T11:58:00Z"}}},
           {"ready":false,"restartCount":1,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}}""");
    assertEquals(List.of("web-1", "1/2", "CrashLoopBackOff", "3 (2m ago)", "5m", "10.0.0.5", "n1", "<none>",
        "<none>"), cells(pods, null, pod));
    JsonNode pending = json("{\"metadata\":{\"name\":\"p\",\"deletionTimestamp\":\"x\"},\"spec\":{\"containers\":[{}]},"
        + "\"status\":{\"phase\":\"Pending\"}}");
    assertEquals("Terminating", cells(pods, null, pending).get(2));
    assertEquals("<unknown>", cells(pods, null, pending).get(4));
  }

  @Test
  void deploymentsAndConfigMapsAndDefaults() throws Exception {
    ResourceType deployments = new ResourceType("apps", "v1", "deployments", "Deployment", true);
    JsonNode d = json("""
        {"metadata":{"name":"web","creationTimestamp":"2026-12-01T12:00:00Z"},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
                 "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1"}]}}},
         "status":{"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}}""");
    assertEquals(List.of("web", "2/3", 3L, 2L, "24h", "nginx", "nginx:1", "app=web"), cells(deployments, null, d));
    ResourceType cms = new ResourceType("", "v1", "configmaps", "ConfigMap", true);
    assertEquals(List.of("cm", 2L, "<unknown>"), cells(cms, null, json("{\"metadata\":{\"name\":\"cm\"},"
        + "\"data\":{\"a\":\"1\"},\"binaryData\":{\"b\":\"AA==\"}}")));
    ResourceType widgets = new ResourceType("example.com", "v1", "widgets", "Widget", true);
    assertEquals(List.of("w", "<unknown>"), cells(widgets, null, json("{\"metadata\":{\"name\":\"w\"}}")));
  }

  @Test
  void crdPrinterColumnsUseTheirJsonPaths() throws Exception {
    ResourceType widgets = new ResourceType("example.com", "v1", "widgets", "Widget", true);
    JsonNode columns = json("""
        [{"name":"Size","type":"integer","jsonPath":".spec.size"},
         {"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\\"Ready\\")].status"},
         {"name":"First","type":"string","jsonPath":".spec.items[0]","priority":1},
         {"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"},
         {"name":"Missing","type":"string","jsonPath":".spec.nothing"}]""");
    JsonNode w = json("""
        {"metadata":{"name":"w","creationTimestamp":"2026-12-02T11:59:00Z"},"spec":{"size":4,"items":["x","y"]},
         "status":{"conditions":[{"type":"Synced","status":"False"},{"type":"Ready","status":"True"}]}}""");
    assertEquals(java.util.Arrays.asList("w", 4L, "True", "x", "60s", null), cells(widgets, columns, w));
    assertEquals(1, TableColumns.of(widgets, columns).get(3).priority());
  }
}
