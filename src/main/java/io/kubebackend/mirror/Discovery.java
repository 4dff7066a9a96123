package io.kubebackend.mirror;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.cluster.ResourceType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds every resource a cluster serves that supports list and watch: the core group, built-in groups,
 * aggregated APIs and CRDs, at each group's preferred version, without subresources.
 */
final class Discovery {
  private static final Logger log = LoggerFactory.getLogger(Discovery.class);

  /**
   * @param types        the mirrored resources
   * @param failedGroups groups whose discovery failed this time (e.g. an aggregated API that is down): their
   *                     resources are neither added nor removed until a later discovery succeeds
   */
  record Result(List<ResourceType> types, Set<String> failedGroups) {}

  private Discovery() {}

  static Result discover(KubernetesClient client, ResourceFilter filter) {
    List<ResourceType> types = new ArrayList<>();
    Set<String> failed = new HashSet<>();
    add(types, "", client.getApiResources("v1"), filter);
    for (APIGroup group : client.getApiGroups().getGroups()) {
      String groupVersion = group.getPreferredVersion() != null
          ? group.getPreferredVersion().getGroupVersion()
          : group.getVersions().get(0).getGroupVersion();
      try {
        add(types, group.getName(), client.getApiResources(groupVersion), filter);
      } catch (RuntimeException e) {
        log.warn("discovery of {} failed, keeping its resources as they are: {}", groupVersion, e.getMessage());
        failed.add(group.getName());
      }
    }
    return new Result(types, failed);
  }

  private static void add(List<ResourceType> out, String group, APIResourceList list, ResourceFilter filter) {
    if (list == null) {
      return;
    }
    String version = list.getGroupVersion().contains("/")
        ? list.getGroupVersion().substring(list.getGroupVersion().indexOf('/') + 1)
        : list.getGroupVersion();
    for (APIResource r : list.getResources()) {
      if (r.getName().contains("/") || r.getVerbs() == null
          || !r.getVerbs().contains("list") || !r.getVerbs().contains("watch")) {
        continue;
      }
      ResourceType t = new ResourceType(group, version, r.getName(), r.getKind(), Boolean.TRUE.equals(r.getNamespaced()));
      if (filter.accepts(t)) {
        out.add(t);
      }
    }
  }
}
