package io.kubebackend.query;

import java.util.List;

/**
 * What a caller may read, decided by whoever authenticates the caller (the query service does no auth itself):
 * the objects matching at least one grant. Applied as SQL conditions next to the query's own, so objects outside
 * the scope are neither returned nor counted nor aggregated.
 *
 * <p>Owner traversal for {@code descendantsOf} walks through objects whatever the scope; only the objects returned
 * are limited by it.
 *
 * @param unrestricted true reads everything (grants are ignored)
 * @param grants       when restricted: the allowed (cluster, namespace, group, resource) combinations
 */
public record ReadScope(boolean unrestricted, List<Grant> grants) {
  /** No restriction: for trusted callers, and until auth is in front of the API. */
  public static final ReadScope ALL = new ReadScope(true, List.of());

  /**
   * One allowed combination; a null part allows any value. {@code namespace} "" is cluster-scoped objects;
   * {@code group} "" is the core group.
   */
  public record Grant(String cluster, String namespace, String group, String resource) {}

  public ReadScope {
    grants = List.copyOf(grants);
  }

  /** Only what the grants allow; no grants allows nothing. */
  public static ReadScope of(List<Grant> grants) {
    return new ReadScope(false, grants);
  }

  /** The same decision in memory, for streamed changes (the SQL conditions of {@code QuerySql} in Java). */
  public boolean allows(String cluster, String namespace, String group, String resource) {
    if (unrestricted) {
      return true;
    }
    for (Grant g : grants) {
      if ((g.cluster() == null || g.cluster().equals(cluster)) && (g.namespace() == null
          || g.namespace().equals(namespace)) && (g.group() == null || g.group().equals(group))
          && (g.resource() == null || g.resource().equals(resource))) {
        return true;
      }
    }
    return false;
  }
}
