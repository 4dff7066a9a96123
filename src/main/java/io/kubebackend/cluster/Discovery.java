package io.kubebackend.cluster;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a cluster serves: every resource of the core group, the built-in groups, aggregated APIs and CRDs, at
 * each group's preferred version, without subresources, with its verbs; and every version each group serves.
 * The mirror keeps the resources that can be listed and watched; writes and kubesys {@code getMeta} use all.
 */
public final class Discovery {
  private static final Logger log = LoggerFactory.getLogger(Discovery.class);

  /**
   * @param kinds        the resources at their group's preferred version, in discovery order (core group first)
   * @param versions     every version each group serves ("" is the core group), preferred first
   * @param failedGroups groups whose discovery failed this time (e.g. an aggregated API that is down): callers
   *                     keep what they knew of them until a later discovery succeeds
   */
  public record Result(List<ResourceType> kinds, Map<String, List<String>> versions, Set<String> failedGroups) {
    public Result {
      kinds = List.copyOf(kinds);
      versions = Map.copyOf(versions);
      failedGroups = Set.copyOf(failedGroups);
    }
  }

  private Discovery() {}

  /** Throws when the core group or the group list cannot be read; a failing group only lands in failedGroups. */
  public static Result discover(KubernetesClient client) {
    List<ResourceType> kinds = new ArrayList<>();
    Map<String, List<String>> versions = new LinkedHashMap<>();
    Set<String> failed = new HashSet<>();
    versions.put("", List.of("v1"));
    add(kinds, "", client.getApiResources("v1"));
    for (APIGroup group : client.getApiGroups().getGroups()) {
      String groupVersion = group.getPreferredVersion() != null
          ? group.getPreferredVersion().getGroupVersion()
          : group.getVersions().get(0).getGroupVersion();
      List<String> served = new ArrayList<>();
      served.add(ResourceType.versionOf(groupVersion));
      for (GroupVersionForDiscovery v : group.getVersions()) {
        if (!served.contains(v.getVersion())) {
          served.add(v.getVersion());
        }
      }
      versions.put(group.getName(), served);
      try {
        add(kinds, group.getName(), client.getApiResources(groupVersion));
      } catch (RuntimeException e) {
        log.warn("discovery of {} failed: {}", groupVersion, FailureSummary.of(e));
        failed.add(group.getName());
      }
    }
    return new Result(kinds, versions, failed);
  }

  private static void add(List<ResourceType> out, String group, APIResourceList list) {
    if (list == null) {
      return;
    }
    String version = ResourceType.versionOf(list.getGroupVersion());
    for (APIResource r : list.getResources()) {
      if (r.getName().contains("/")) {
        continue;
      }
      out.add(new ResourceType(group, version, r.getName(), r.getKind(), Boolean.TRUE.equals(r.getNamespaced()),
          r.getVerbs() == null ? List.of() : r.getVerbs()));
    }
  }
}
