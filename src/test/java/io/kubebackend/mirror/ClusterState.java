package io.kubebackend.mirror;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.kubebackend.cluster.ResourceType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the apiserver itself lists, for comparing with the database. */
final class ClusterState {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private ClusterState() {}

  /**
   * {@code resource key -> uid -> resourceVersion} of every object of every list+watch resource the cluster serves,
   * found by this oracle's own discovery (plain GETs of /api/v1, /apis and each group's preferred version), not
   * the production {@code Discovery}: a resource that one misses must show up here as missing rows.
   */
  static Map<String, Map<String, String>> objectsByResource(KubernetesClient client) {
    Map<String, Map<String, String>> out = new java.util.TreeMap<>();
    for (ResourceType t : discover(client)) {
      out.put(t.qualifiedResource(), uidVersions(client, t, null));
    }
    return out;
  }

  /** Every list+watch resource at its group's preferred version, by plain discovery requests. */
  static List<ResourceType> discover(KubernetesClient client) {
    List<ResourceType> out = new java.util.ArrayList<>();
    addResources(out, "", client.raw("/api/v1"));
    try {
      com.fasterxml.jackson.databind.JsonNode groups = JSON.readTree(client.raw("/apis"));
      for (com.fasterxml.jackson.databind.JsonNode g : groups.path("groups")) {
        String gv = g.path("preferredVersion").path("groupVersion").asText();
        addResources(out, g.path("name").asText(), client.raw("/apis/" + gv));
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  private static void addResources(List<ResourceType> out, String group, String listJson) {
    try {
      com.fasterxml.jackson.databind.JsonNode list = JSON.readTree(listJson);
      String gv = list.path("groupVersion").asText();
      String version = gv.substring(gv.indexOf('/') + 1);
      for (com.fasterxml.jackson.databind.JsonNode r : list.path("resources")) {
        List<String> verbs = new java.util.ArrayList<>();
        r.path("verbs").forEach(v -> verbs.add(v.asText()));
        if (!r.path("name").asText().contains("/") && verbs.contains("list") && verbs.contains("watch")) {
          out.add(new ResourceType(group, version, r.path("name").asText(), r.path("kind").asText(),
              r.path("namespaced").asBoolean(), verbs));
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static Map<String, String> uidVersions(KubernetesClient client, ResourceType t, String namespace) {
    Map<String, String> out = new HashMap<>();
    ResourceDefinitionContext ctx = new ResourceDefinitionContext.Builder().withGroup(t.group())
        .withVersion(t.version()).withPlural(t.resource()).withKind(t.kind()).withNamespaced(t.namespaced()).build();
    var op = client.genericKubernetesResources(ctx);
    String cont = null;
    do {
      var options = new ListOptionsBuilder().withLimit(500L).withContinue(cont).build();
      GenericKubernetesResourceList page = !t.namespaced() ? op.list(options)
          : namespace == null ? op.inAnyNamespace().list(options) : op.inNamespace(namespace).list(options);
      for (GenericKubernetesResource o : page.getItems()) {
        out.put(o.getMetadata().getUid(), o.getMetadata().getResourceVersion());
      }
      cont = page.getMetadata().getContinue();
    } while (cont != null && !cont.isEmpty());
    return out;
  }
}
