package io.kubebackend.mirror;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.kubebackend.cluster.ResourceType;

/**
 * How a {@link ResourceSync} reads one resource of a cluster: list a page, watch from a resourceVersion (the seam
 * client-go's reflector has, so the sync's rules are tested with a fake apiserver as well as a real one).
 */
interface ListerWatcher {
  GenericKubernetesResourceList list(ListOptions options);

  /** Starts a watch; events and the close reach {@code watcher} on another thread. */
  Watch watch(ListOptions options, Watcher<GenericKubernetesResource> watcher);

  /** The resource through fabric8, across every namespace for a namespaced kind. */
  static ListerWatcher of(KubernetesClient client, ResourceType type) {
    ResourceDefinitionContext ctx = new ResourceDefinitionContext.Builder().withGroup(type.group())
        .withVersion(type.version()).withPlural(type.resource()).withKind(type.kind())
        .withNamespaced(type.namespaced()).build();
    var op = client.genericKubernetesResources(ctx);
    var resource = type.namespaced() ? op.inAnyNamespace() : op;
    return new ListerWatcher() {
      @Override
      public GenericKubernetesResourceList list(ListOptions options) {
        return resource.list(options);
      }

      @Override
      public Watch watch(ListOptions options, Watcher<GenericKubernetesResource> watcher) {
        return resource.watch(options, watcher);
      }
    };
  }
}
