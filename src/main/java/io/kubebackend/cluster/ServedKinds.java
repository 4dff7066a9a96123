package io.kubebackend.cluster;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One discovery of a cluster, indexed: its kinds by group and resource and by fullkind, and the versions each
 * group serves. Immutable.
 *
 * @param kinds     every served kind at its group's preferred version, in discovery order
 * @param versions  the versions each group serves ("" is the core group), preferred first
 * @param fetchedMs when the discovery ran
 */
public record ServedKinds(List<ResourceType> kinds, Map<String, List<String>> versions, long fetchedMs) {
  public ServedKinds {
    kinds = List.copyOf(kinds);
    versions = Map.copyOf(versions);
  }

  public static ServedKinds of(Discovery.Result result, long fetchedMs) {
    return new ServedKinds(result.kinds(), result.versions(), fetchedMs);
  }

  /** The kind of a group's resource, at the group's preferred version. */
  public Optional<ResourceType> find(String group, String resource) {
    return kinds.stream().filter(k -> k.group().equals(group) && k.resource().equals(resource)).findFirst();
  }

  /** The first kind with this fullkind ({@code Pod}, {@code apps.Deployment}), as discovery lists it. */
  public Optional<ResourceType> byFullKind(String fullKind) {
    return kinds.stream().filter(k -> k.fullKind().equals(fullKind)).findFirst();
  }

  /** Every kind by fullkind (the first of each, in discovery order). */
  public Map<String, ResourceType> byFullKind() {
    Map<String, ResourceType> out = new LinkedHashMap<>();
    for (ResourceType k : kinds) {
      out.putIfAbsent(k.fullKind(), k);
    }
    return out;
  }

  /** Whether the group ("" for core) serves this version. */
  public boolean serves(String group, String version) {
    return versions.getOrDefault(group, List.of()).contains(version);
  }
}
