package io.kubebackend.cluster;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a cluster serves: every resource of the core group, the built-in groups, aggregated APIs and CRDs, at
 * each group's preferred version, without subresources, with its verbs. The mirror keeps those that can be
 * listed and watched; writes and kubesys {@code getMeta} use all of them.
 */
public final class Discovery {
  private static final Logger log = LoggerFactory.getLogger(Discovery.class);

  /** One served resource and the verbs the apiserver allows on it. */
  public record Served(ResourceType type, List<String> verbs) {
    public Served {
      verbs = List.copyOf(verbs);
    }

    public boolean listAndWatch() {
      return verbs.contains("list") && verbs.contains("watch");
    }
  }

  /**
   * @param served       the resources, in discovery order (core group first)
   * @param failedGroups groups whose discovery failed this time (e.g. an aggregated API that is down): callers
   *                     keep what they knew of them until a later discovery succeeds
   */
  public record Result(List<Served> served, Set<String> failedGroups) {}

  private Discovery() {}

  /** Throws when the core group or the group list cannot be read; a failing group only lands in failedGroups. */
  public static Result discover(KubernetesClient client) {
    List<Served> served = new ArrayList<>();
    Set<String> failed = new HashSet<>();
    add(served, "", client.getApiResources("v1"));
    for (APIGroup group : client.getApiGroups().getGroups()) {
      String groupVersion = group.getPreferredVersion() != null
          ? group.getPreferredVersion().getGroupVersion()
          : group.getVersions().get(0).getGroupVersion();
      try {
        add(served, group.getName(), client.getApiResources(groupVersion));
      } catch (RuntimeException e) {
        log.warn("discovery of {} failed: {}", groupVersion, e.getMessage());
        failed.add(group.getName());
      }
    }
    return new Result(served, failed);
  }

  private static void add(List<Served> out, String group, APIResourceList list) {
    if (list == null) {
      return;
    }
    String gv = list.getGroupVersion();
    String version = gv.contains("/") ? gv.substring(gv.indexOf('/') + 1) : gv;
    for (APIResource r : list.getResources()) {
      if (r.getName().contains("/")) {
        continue;
      }
      out.add(new Served(new ResourceType(group, version, r.getName(), r.getKind(),
          Boolean.TRUE.equals(r.getNamespaced())), r.getVerbs() == null ? List.of() : r.getVerbs()));
    }
  }
}
