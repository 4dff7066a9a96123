package io.kubebackend.mirror;

import io.kubebackend.cluster.ResourceType;
import java.util.List;

/**
 * A cluster's include/exclude lists. An entry is {@code resource.group} (e.g. {@code deployments.apps}),
 * {@code resource} for the core group, or a bare plural without a dot, which matches that resource in any group
 * ({@code events} matches {@code events} and {@code events.events.k8s.io}). Exclude wins over include; an empty
 * include list means everything.
 */
record ResourceFilter(List<String> include, List<String> exclude) {

  boolean accepts(ResourceType t) {
    if (exclude.stream().anyMatch(e -> matches(e, t))) {
      return false;
    }
    return include.isEmpty() || include.stream().anyMatch(e -> matches(e, t));
  }

  private static boolean matches(String entry, ResourceType t) {
    return entry.equals(t.qualifiedResource()) || (!entry.contains(".") && entry.equals(t.resource()));
  }
}
