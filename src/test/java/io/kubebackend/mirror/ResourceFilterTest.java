package io.kubebackend.mirror;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.cluster.ResourceType;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceFilterTest {
  static final ResourceType EVENTS = new ResourceType("", "v1", "events", "Event", true);
  static final ResourceType EVENTS_K8S = new ResourceType("events.k8s.io", "v1", "events", "Event", true);
  static final ResourceType DEPLOY = new ResourceType("apps", "v1", "deployments", "Deployment", true);

  @Test
  void emptyIncludeMeansEverything() {
    assertTrue(new ResourceFilter(List.of(), List.of()).accepts(DEPLOY));
  }

  @Test
  void barePluralMatchesEveryGroup() {
    ResourceFilter f = new ResourceFilter(List.of(), List.of("events"));
    assertFalse(f.accepts(EVENTS));
    assertFalse(f.accepts(EVENTS_K8S));
    assertTrue(f.accepts(DEPLOY));
  }

  @Test
  void qualifiedEntryMatchesOneGroup() {
    ResourceFilter f = new ResourceFilter(List.of(), List.of("events.events.k8s.io"));
    assertTrue(f.accepts(EVENTS));
    assertFalse(f.accepts(EVENTS_K8S));
  }

  @Test
  void excludeWinsOverInclude() {
    ResourceFilter f = new ResourceFilter(List.of("deployments.apps", "events"), List.of("events"));
    assertTrue(f.accepts(DEPLOY));
    assertFalse(f.accepts(EVENTS));
    assertFalse(new ResourceFilter(List.of("deployments.apps"), List.of()).accepts(EVENTS));
  }
}
