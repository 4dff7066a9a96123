package io.kubebackend.api;

import io.kubebackend.store.Leases;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who mirrors which cluster and who publishes, as the API shows it: read from the lease rows with several replicas
 * on PostgreSQL; with one replica (SQLite) this replica does everything.
 */
public final class ReplicaStatus {
  private final Leases leases;
  private final String replicaId;
  private final Duration ttl;
  private final boolean replicated;

  public ReplicaStatus(Leases leases, String replicaId, Duration ttl, boolean replicated) {
    this.leases = leases;
    this.replicaId = replicaId;
    this.ttl = ttl;
    this.replicated = replicated;
  }

  /** A cluster's current (unexpired) owner and how long it has held it. */
  public record Owner(String replicaId, double leaseAgeSeconds) {}

  public String replicaId() {
    return replicaId;
  }

  public boolean replicated() {
    return replicated;
  }

  /** clusterId -> its owner, for the clusters some replica holds now; null with one replica (it owns all). */
  public Map<String, Owner> clusterOwners() {
    if (!replicated) {
      return null;
    }
    Map<String, Owner> out = new HashMap<>();
    for (Leases.Lease l : leases.list(Leases.CLUSTER_PREFIX)) {
      if (!l.expired()) {
        out.put(l.name().substring(Leases.CLUSTER_PREFIX.length()),
            new Owner(l.owner(), (l.nowMs() - l.acquiredMs()) / 1000.0));
      }
    }
    return out;
  }

  /** The replica publishing to the sinks now, or null if none holds the lease (with one replica: this one). */
  public String sinksPublisher() {
    if (!replicated) {
      return replicaId;
    }
    return leases.holder(Leases.SINKS).orElse(null);
  }

  /** The live replicas (heartbeat within the lease time); with one replica, this one. */
  public List<Leases.Replica> live() {
    if (!replicated) {
      return List.of(new Leases.Replica(replicaId, 0, 0, 0));
    }
    return leases.live(ttl);
  }
}
