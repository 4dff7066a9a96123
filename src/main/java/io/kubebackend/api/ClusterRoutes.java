package io.kubebackend.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.kubebackend.auth.Authorizer;
import io.kubebackend.auth.Caller;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.cluster.FailureSummary;
import io.kubebackend.mirror.ClusterMirror;
import io.kubebackend.mirror.ClusterRegistry;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.store.MirrorStore;
import io.kubebackend.store.SyncState;
import io.kubebackend.store.MirrorStore.SyncStatusRow;
import java.time.Clock;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The cluster registry: list clusters with the sync status of every resource, register a cluster at runtime
 * (kubeconfig content, or server URL + token + CA), remove one. Credentials are never returned; errors are shown as
 * {@link FailureSummary summaries}. A caller sees only the clusters its role has some read grant in; registering and
 * removing need the admin role ({@link NativeApiGuard}).
 */
public final class ClusterRoutes implements Routes {
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  private final RuntimeMirror mirror;
  private final ClusterRegistry registry;
  private final MirrorStore store;
  private final Authorizer authorizer;
  private final Clock clock;
  private final ReplicaStatus replicas;

  public ClusterRoutes(RuntimeMirror mirror, ClusterRegistry registry, MirrorStore store, Authorizer authorizer,
                       Clock clock, ReplicaStatus replicas) {
    this.replicas = replicas;
    this.mirror = mirror;
    this.authorizer = authorizer;
    this.registry = registry;
    this.store = store;
    this.clock = clock;
  }

  /** The body of {@code POST /api/v1/clusters}. */
  public record Registration(String id, String kubeconfig, String context, String server, String token,
                             String caData, List<String> include, List<String> exclude, Boolean secretData,
                             Boolean keepManagedFields) {
    ClusterSpec toSpec() {
      return new ClusterSpec(id, null, kubeconfig, context, server, token, caData, include, exclude,
          Boolean.TRUE.equals(secretData), Boolean.TRUE.equals(keepManagedFields));
    }
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v1/clusters", ctx -> {
      Caller caller = ctx.attribute(NativeApiGuard.CALLER);
      Map<String, ReplicaStatus.Owner> owners = replicas.clusterOwners();
      ctx.json(mirror.clusters().stream()
          .filter(m -> authorizer.readsAnything(caller, m.clusterId()))
          .sorted(Comparator.comparing(ClusterMirror::clusterId))
          .map(m -> summary(m, owners)).toList());
    });
    app.get("/api/v1/clusters/{cluster}", ctx -> ctx.json(detail(cluster(ctx))));
    app.post("/api/v1/clusters", this::registerCluster);
    app.delete("/api/v1/clusters/{cluster}", ctx -> {
      try {
        registry.remove(ctx.pathParam("cluster"));
      } catch (ClusterRegistry.RegistrationException e) {
        throw mapped(e);
      }
      ctx.status(200).json(Map.of("status", "Success", "removed", ctx.pathParam("cluster")));
    });
  }

  private void registerCluster(Context ctx) {
    Registration r;
    try {
      r = JSON.readValue(ctx.body(), Registration.class);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("invalid registration body: " + RequestBodies.describe(e));
    }
    if (r == null) {
      throw ApiException.badRequest("a registration body is required");
    }
    try {
      registry.register(r.toSpec());
    } catch (ClusterRegistry.RegistrationException e) {
      throw mapped(e);
    }
    ctx.status(201).json(summary(mirror.get(r.id()).orElseThrow(), replicas.clusterOwners()));
  }

  private static ApiException mapped(ClusterRegistry.RegistrationException e) {
    return switch (e.reason()) {
      case INVALID -> ApiException.badRequest(e.getMessage());
      case CONFLICT -> ApiException.conflict(e.getMessage());
      case NOT_FOUND -> ApiException.notFound(e.getMessage());
    };
  }

  private ClusterMirror cluster(Context ctx) {
    String id = ctx.pathParam("cluster");
    return mirror.get(id).orElseThrow(() -> ApiException.notFound("cluster " + id + " is not registered"));
  }

  private Map<String, Object> summary(ClusterMirror m, Map<String, ReplicaStatus.Owner> owners) {
    return summary(m, owners, store.syncStatus(m.clusterId()), clock.millis());
  }

  /**
   * @param owners   from {@link ReplicaStatus#clusterOwners}: null with one replica, which mirrors every cluster
   * @param statuses the cluster's sync status rows, read once by the caller
   */
  private Map<String, Object> summary(ClusterMirror m, Map<String, ReplicaStatus.Owner> owners,
                                      List<SyncStatusRow> statuses, long now) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", m.clusterId());
    out.put("source", registry.isConfigured(m.clusterId()) ? "configuration" : "api");
    out.put("resources", m.resources().size());
    out.put("objects", store.count(m.clusterId()));
    out.put("lastError", FailureSummary.redact(m.lastError()));
    // The cluster's state is its resources' worst (error over syncing over synced); no resource yet is syncing.
    boolean error = m.lastError() != null || statuses.stream().anyMatch(st -> st.state() == SyncState.ERROR);
    boolean syncing = statuses.isEmpty() || statuses.stream().anyMatch(st -> st.state() == SyncState.SYNCING);
    out.put("state", error ? SyncState.ERROR.dbValue() : syncing ? SyncState.SYNCING.dbValue()
        : SyncState.SYNCED.dbValue());
    Long lastEventMs = statuses.stream().map(SyncStatusRow::lastEventMs).filter(Objects::nonNull)
        .max(Long::compare).orElse(null);
    out.put("lastEventAgeSeconds", lastEventMs == null ? null : (now - lastEventMs) / 1000.0);
    ReplicaStatus.Owner owner = owners == null ? null : owners.get(m.clusterId());
    out.put("mirroredBy", owners == null ? replicas.replicaId() : owner == null ? null : owner.replicaId());
    out.put("leaseAgeSeconds", owner == null ? null : owner.leaseAgeSeconds());
    return out;
  }

  private Map<String, Object> detail(ClusterMirror m) {
    List<SyncStatusRow> statuses = store.syncStatus(m.clusterId());
    long now = clock.millis();
    Map<String, Object> out = summary(m, replicas.clusterOwners(), statuses, now);
    out.put("resources", statuses.stream().map(s -> {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("group", s.group());
      r.put("version", s.version());
      r.put("resource", s.resource());
      r.put("kind", s.kind());
      r.put("state", s.state().dbValue());
      r.put("objects", s.objectCount());
      r.put("lastResourceVersion", s.lastResourceVersion());
      r.put("lastEventAgeSeconds", s.lastEventMs() == null ? null : (now - s.lastEventMs()) / 1000.0);
      r.put("statusAgeSeconds", (now - s.updatedMs()) / 1000.0);
      r.put("lastError", FailureSummary.redact(s.lastError()));
      return r;
    }).toList());
    return out;
  }
}
