package io.kubebackend.api.kubesys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.kubebackend.query.FieldMatch;
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
    assertEquals(List.of(new FieldMatch(List.of("metadata", "labels", "app"), "web"),
        new FieldMatch(List.of("spec", "replicas"), "3"),
        new FieldMatch(List.of("metadata", "annotations", "kubernetes.io/change-cause"), "' OR 1=1 --")),
        KubesysLabels.parse(labels));
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
        Map.<String, JsonNode>of("metadata##name", F.nullNode()))) {
      assertEquals(400, assertThrows(KubesysException.class, () -> KubesysLabels.parse(bad)).status(),
          bad.toString());
    }
  }
}
