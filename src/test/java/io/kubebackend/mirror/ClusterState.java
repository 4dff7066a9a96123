package io.kubebackend.mirror;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.kubebackend.cluster.Discovery;
import io.kubebackend.cluster.ResourceType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the apiserver itself lists, for comparing with the database. */
final class ClusterState {
  private ClusterState() {}

  /** {@code uid -> resourceVersion} of every object of every list+watch resource the cluster serves. */
  static Map<String, String> uidVersions(KubernetesClient client) {
    Map<String, String> out = new HashMap<>();
    for (ResourceType t : Discovery.discover(client).kinds()) {
      if (t.listAndWatch()) {
        out.putAll(uidVersions(client, t, null));
      }
    }
    return out;
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
