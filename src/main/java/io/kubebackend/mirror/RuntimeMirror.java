package io.kubebackend.mirror;

import io.kubebackend.cluster.Cluster;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.store.Change;
import io.kubebackend.store.MirrorStore;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Mirrors every registered cluster into the store. Adding a cluster starts its mirror; removing one stops it. */
public final class RuntimeMirror implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RuntimeMirror.class);

  private final MirrorStore store;
  private final ChangeWriter writer;
  private final Clock clock;
  private final MirrorMetrics metrics;
  private final Map<String, ClusterMirror> clusters = new ConcurrentHashMap<>();
  private final boolean standby;

  public RuntimeMirror(MirrorStore store, ChangeWriter writer, Clock clock, MirrorMetrics metrics) {
    this(store, writer, clock, metrics, false);
  }

  /**
   * @param standby true with several replicas on one database: a cluster's mirror starts as a standby (discovery
   *     only) and syncs once {@link ClusterOwnership} takes the cluster's lease
   */
  public RuntimeMirror(MirrorStore store, ChangeWriter writer, Clock clock, MirrorMetrics metrics, boolean standby) {
    this.standby = standby;
    this.metrics = metrics;
    this.store = store;
    this.writer = writer;
    this.clock = clock;
  }

  /** Starts mirroring a cluster; throws if the id is taken. */
  public synchronized ClusterMirror add(ClusterSpec spec) {
    spec.validated();
    if (clusters.containsKey(spec.id())) {
      throw new IllegalStateException("cluster " + spec.id() + " is already registered");
    }
    ClusterMirror m = new ClusterMirror(new Cluster(spec, clock), store, writer, clock, metrics, !standby);
    clusters.put(spec.id(), m);
    m.start();
    log.info("mirroring {}", spec);
    return m;
  }

  /** Stops mirroring a cluster and deletes its rows (with a delete event for each). False if unknown. */
  public synchronized boolean remove(String clusterId) throws InterruptedException {
    ClusterMirror m = clusters.remove(clusterId);
    if (m == null) {
      return false;
    }
    m.stop();
    m.cluster().close();
    writer.submit(new Change.RemoveCluster(clusterId));
    log.info("stopped mirroring {}", clusterId);
    return true;
  }

  /**
   * Stops mirroring a cluster that another replica removed (it already deleted the rows and the lease). False if
   * unknown.
   */
  public synchronized boolean forget(String clusterId) {
    ClusterMirror m = clusters.remove(clusterId);
    if (m == null) {
      return false;
    }
    m.stop();
    m.cluster().close();
    log.info("stopped mirroring {}: removed by another replica", clusterId);
    return true;
  }

  public Optional<ClusterMirror> get(String clusterId) {
    return Optional.ofNullable(clusters.get(clusterId));
  }

  public Collection<ClusterMirror> clusters() {
    return clusters.values();
  }

  public MirrorMetrics metrics() {
    return metrics;
  }

  public ChangeWriter writer() {
    return writer;
  }

  /** Stops all mirrors; rows stay for the next start. */
  @Override
  public void close() {
    clusters.values().parallelStream().forEach(m -> {
      m.stop();
      m.cluster().close();
    });
    clusters.clear();
  }
}
