package io.kubebackend.api.kubesys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.kubebackend.query.FieldCondition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KubesysLabelsTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  @Test
  void keysAreHashHashSeparatedPaths() {
    Map<String, JsonNode> labels = new LinkedHashMap<>();
    labels.put("metadata##labels##app", F.textNode("web"));
    labels.put("spec##replicas", F.numberNode(3));
    labels.put("metadata##annotations##kubernetes.io/change-cause", F.textNode("' OR 1=1 --"));
    List<String> conditions = KubesysLabels.parse(labels).stream().map(FieldCondition::toString).toList();
    assertEquals(List.of("metadata.labels.app~web", "spec.replicas~3",
        "metadata.annotations[\"kubernetes.io/change-cause\"]~' OR 1=1 --"), conditions);
    assertEquals("spec.containers[0].image~nginx", KubesysLabels.parse(Map.of("spec##containers##0##image",
        F.textNode("nginx"))).getFirst().toString(), "a key of digits is an array position");
    assertEquals(List.of(), KubesysLabels.parse(null));
  }

  @Test
  void badKeysAndValuesAre400() {
    for (Map<String, JsonNode> bad : List.of(
        Map.<String, JsonNode>of("metadata####name", F.textNode("x")),
        Map.<String, JsonNode>of("##name", F.textNode("x")),
        Map.<String, JsonNode>of("", F.textNode("x")),
        Map.<String, JsonNode>of("metadata##na\"me", F.textNode("x")),
        Map.<String, JsonNode>of("metadata##name", F.objectNode()),
        Map.<String, JsonNode>of("metadata##name", F.nullNode()),
        Map.<String, JsonNode>of("spec##a\\b", F.textNode("x")),
        Map.<String, JsonNode>of("metadata##name", F.textNode("a\u0000b")))) {
      assertEquals(400, assertThrows(KubesysException.class, () -> KubesysLabels.parse(bad)).status(),
          bad.toString());
    }
  }
}
