package io.kubebackend.api;

import io.kubebackend.auth.Caller;
import io.kubebackend.auth.Grant;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.mirror.ClusterMirror;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.query.ReadScope;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Turns a caller's role into the query service's {@link ReadScope}. Roles grant by kind ({@code apps.Deployment},
 * {@code Pod}, {@code *}); the database keys objects by group and resource, so each kind is looked up among the
 * resources the cluster (or, for a grant on every cluster, any cluster) mirrors.
 */
public final class CallerReadScope {
  private CallerReadScope() {}

  public static ReadScope of(Caller caller, RuntimeMirror mirror) {
    if (caller == null) {
      return ReadScope.of(List.of());
    }
    if (caller.admin()) {
      return ReadScope.ALL;
    }
    List<ReadScope.Grant> out = new ArrayList<>();
    for (Grant g : caller.grants()) {
      if (!g.read()) {
        continue;
      }
      String cluster = Grant.ANY.equals(g.cluster()) ? null : g.cluster();
      String namespace = Grant.ANY.equals(g.namespace()) ? null : g.namespace();
      if (Grant.ANY.equals(g.kind())) {
        out.add(new ReadScope.Grant(cluster, namespace, null, null));
        continue;
      }
      Collection<ClusterMirror> clusters = cluster == null ? mirror.clusters()
          : mirror.get(cluster).map(List::of).orElse(List.of());
      clusters.stream().flatMap(m -> m.resources().stream())
          .filter(t -> t.fullKind().equals(g.kind()))
          .map(t -> new ReadScope.Grant(cluster, namespace, t.group(), t.resource()))
          .distinct()
          .forEach(out::add);
    }
    return ReadScope.of(out);
  }
}
