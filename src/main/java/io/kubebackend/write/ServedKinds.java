package io.kubebackend.write;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.cluster.Discovery;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.mirror.ClusterMirror;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kinds each cluster's apiserver serves, from discovery, cached per cluster. A cached answer is refreshed
 * when older than {@link #MAX_AGE_MS}, and sooner when asked for a kind it lacks (a CRD just created), at most
 * every {@link #MISS_REFRESH_MS}. If discovery fails, the last answer is used; with none, the failure is a 502.
 */
public final class ServedKinds {
  private static final Logger log = LoggerFactory.getLogger(ServedKinds.class);
  static final long MAX_AGE_MS = 30_000;
  static final long MISS_REFRESH_MS = 2_000;

  private record Snapshot(Map<String, ServedKind> byFullKind, long fetchedMs) {}

  private final Clock clock;
  private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();
  /** One refresh at a time per cluster; a cluster that does not answer holds up only its own callers. */
  private final Map<String, Object> refreshLocks = new ConcurrentHashMap<>();

  public ServedKinds(Clock clock) {
    this.clock = clock;
  }

  /** Every served kind by fullkind, in discovery order. */
  public Map<String, ServedKind> all(ClusterMirror cluster) {
    Snapshot s = snapshots.get(cluster.clusterId());
    if (s == null || olderThan(s, MAX_AGE_MS)) {
      s = refresh(cluster);
    }
    return s.byFullKind();
  }

  public Optional<ServedKind> find(ClusterMirror cluster, String fullKind) {
    ServedKind k = all(cluster).get(fullKind);
    Snapshot s = snapshots.get(cluster.clusterId());
    if (k == null && s != null && olderThan(s, MISS_REFRESH_MS)) {
      k = refresh(cluster).byFullKind().get(fullKind);
    }
    return Optional.ofNullable(k);
  }

  /** A snapshot from the future (the clock was set back) counts as old too. */
  private boolean olderThan(Snapshot s, long ms) {
    long age = clock.millis() - s.fetchedMs();
    return age > ms || age < 0;
  }

  private Snapshot refresh(ClusterMirror cluster) {
    synchronized (refreshLocks.computeIfAbsent(cluster.clusterId(), id -> new Object())) {
      Snapshot old = snapshots.get(cluster.clusterId());
      if (old != null && !olderThan(old, MISS_REFRESH_MS)) {
        return old; // another caller just refreshed it
      }
      try {
        Snapshot fresh = new Snapshot(Collections.unmodifiableMap(discover(cluster.client())), clock.millis());
        snapshots.put(cluster.clusterId(), fresh);
        return fresh;
      } catch (RuntimeException e) {
        if (old != null) {
          log.warn("cluster {}: discovery failed, using the kinds found before: {}", cluster.clusterId(),
              e.getMessage());
          return old;
        }
        throw ApiserverException.unreachable(cluster.clusterId(), e);
      }
    }
  }

  private static Map<String, ServedKind> discover(KubernetesClient client) {
    Map<String, ServedKind> out = new LinkedHashMap<>();
    for (Discovery.Served s : Discovery.discover(client).served()) {
      ResourceType t = s.type();
      ServedKind k = new ServedKind(t.group(), t.version(), t.resource(), t.kind(), t.namespaced(), s.verbs());
      out.putIfAbsent(k.fullKind(), k);
    }
    return out;
  }
}
