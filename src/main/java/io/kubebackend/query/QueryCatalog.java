package io.kubebackend.query;

import io.kubebackend.cluster.ResourceType;
import java.util.Collection;
import java.util.List;

/**
 * The names a query may use: the registered clusters and the resources they mirror, read live from the mirror.
 * Checking names against it turns a typo into a 400 naming the problem instead of an empty result.
 */
public interface QueryCatalog {

  Collection<String> clusters();

  /** The resource types mirrored from one cluster (empty for an unknown cluster). */
  List<ResourceType> resources(String cluster);
}
