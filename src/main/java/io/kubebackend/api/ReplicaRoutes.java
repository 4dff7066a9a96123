package io.kubebackend.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.kubebackend.auth.AuthException;
import io.kubebackend.auth.Authorizer;
import io.kubebackend.auth.Caller;
import io.kubebackend.mirror.ClusterMirror;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.store.Leases;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code GET /api/v1/replicas} (admin): the live replicas on this database, what each mirrors and who publishes. */
public final class ReplicaRoutes implements Routes {
  private final ReplicaStatus status;
  private final RuntimeMirror mirror;
  private final Authorizer authorizer;

  public ReplicaRoutes(ReplicaStatus status, RuntimeMirror mirror, Authorizer authorizer) {
    this.status = status;
    this.mirror = mirror;
    this.authorizer = authorizer;
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v1/replicas", this::replicas);
  }

  private void replicas(Context ctx) {
    try {
      authorizer.requireAdmin(ctx.<Caller>attribute(NativeApiGuard.CALLER));
    } catch (AuthException e) {
      throw ApiException.of(e);
    }
    Map<String, ReplicaStatus.Owner> owners = status.clusterOwners();
    Map<String, List<String>> byReplica = new TreeMap<>();
    for (ClusterMirror m : mirror.clusters()) {
      String owner = owners == null ? status.replicaId()
          : owners.containsKey(m.clusterId()) ? owners.get(m.clusterId()).replicaId() : null;
      if (owner != null) {
        byReplica.computeIfAbsent(owner, k -> new ArrayList<>()).add(m.clusterId());
      }
    }
    String publisher = status.sinksPublisher();
    List<Map<String, Object>> out = new ArrayList<>();
    for (Leases.Replica r : status.live()) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("id", r.id());
      one.put("self", r.id().equals(status.replicaId()));
      one.put("heartbeatAgeSeconds", (r.nowMs() - r.heartbeatMs()) / 1000.0);
      one.put("upSeconds", (r.nowMs() - r.startedMs()) / 1000.0);
      List<String> clusters = byReplica.getOrDefault(r.id(), List.of());
      one.put("clusters", clusters.stream().sorted().toList());
      one.put("publishes", r.id().equals(publisher));
      out.add(one);
    }
    List<String> unowned = mirror.clusters().stream().map(ClusterMirror::clusterId)
        .filter(id -> owners != null && !owners.containsKey(id)).sorted().toList();
    ctx.json(Map.of("self", status.replicaId(), "replicas", out, "unownedClusters", unowned));
  }
}
