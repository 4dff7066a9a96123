package io.kubebackend.query;

import java.util.List;
import java.util.Set;

/**
 * Which mirrored objects of one cluster resource a kubesys search (page and count) returns.
 *
 * @param namespaces only these namespaces ("" = cluster-scoped objects), or null for all
 * @param matches    conditions that must all hold
 */
public record SearchFilter(String cluster, String group, String resource, Set<String> namespaces,
                           List<FieldMatch> matches) {
  public SearchFilter {
    namespaces = namespaces == null ? null : Set.copyOf(namespaces);
    matches = matches == null ? List.of() : List.copyOf(matches);
    if (namespaces != null && namespaces.isEmpty()) {
      throw new IllegalArgumentException("an empty namespace set matches nothing; deny the request instead");
    }
  }
}
