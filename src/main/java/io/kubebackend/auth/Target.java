package io.kubebackend.auth;

import io.kubebackend.cluster.ResourceType;

/**
 * What a request acts on, as its path (native and Kubernetes APIs) or its body (kubesys API) resolves it against
 * the cluster's served kinds: the one input of {@link Authorizer#authorize}. A target exists only once its kind is
 * resolved; a request whose kind cannot be resolved has no target and goes no further.
 *
 * @param cluster     the clusterId
 * @param kind        the served kind
 * @param namespace   for a namespaced kind the namespace, or {@link Grant#ANY} for every namespace (a list across
 *                    namespaces); "" for a cluster-scoped kind
 * @param subresource {@code status}, {@code scale}, ... or null for the object itself. Grants are per kind, so a
 *                    subresource is allowed exactly when its kind is.
 */
public record Target(String cluster, ResourceType kind, String namespace, String subresource) {
  public Target {
    if (kind.namespaced() ? namespace == null || namespace.isEmpty() : !namespace.isEmpty()) {
      throw new IllegalArgumentException(kind.namespaced() ? "a namespaced kind needs a namespace (or *)"
          : "a cluster-scoped kind has the namespace \"\"");
    }
  }

  public static Target of(String cluster, ResourceType kind, String namespace) {
    return new Target(cluster, kind, namespace, null);
  }

  /** The kind as grants name it ({@code Pod}, {@code apps.Deployment}). */
  public String fullKind() {
    return kind.fullKind();
  }
}
