package io.kubebackend.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubebackend.cluster.ResourceType;
import java.util.List;
import org.junit.jupiter.api.Test;

class FieldSelectorTest {
  private static final ResourceType PODS = new ResourceType("", "v1", "pods", "Pod", true);
  private static final ResourceType NODES = new ResourceType("", "v1", "nodes", "Node", false);

  private static List<String> conditions(String text, ResourceType kind) {
    return FieldSelector.parse(text, kind).stream().map(FieldCondition::toString).toList();
  }

  @Test
  void termsBecomeEqualityConditions() {
    assertEquals(List.of("status.phase=Running", "spec.nodeName!=n1", "metadata.name=web"),
        conditions("status.phase=Running, spec.nodeName!=n1,metadata.name==web", PODS));
    assertEquals(List.of("spec.nodeName=n2"), conditions("spec.host=n2", PODS));
    assertEquals(List.of("metadata.name="), conditions("metadata.name=", NODES));
    assertEquals(List.of(), conditions("", PODS));
  }

  @Test
  void unsupportedFieldsAreRefusedAsTheApiserverDoes() {
    InvalidQueryException e = assertThrows(InvalidQueryException.class,
        () -> FieldSelector.parse("spec.containers=x", PODS));
    assertEquals("field label not supported: spec.containers", e.getMessage());
    assertThrows(InvalidQueryException.class, () -> FieldSelector.parse("metadata.namespace=a", NODES));
    for (String bad : List.of("status.phase", "=x", "a=b=c", "status.phase!==x", ",")) {
      assertThrows(InvalidQueryException.class, () -> FieldSelector.parse(bad, PODS), bad);
    }
  }
}
