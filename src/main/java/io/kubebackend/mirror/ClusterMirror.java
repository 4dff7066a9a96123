package io.kubebackend.mirror;

import io.kubebackend.retry.Backoff;
import io.kubebackend.cluster.Cluster;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.cluster.Discovery;
import io.kubebackend.cluster.FailureSummary;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.store.Change;
import io.kubebackend.store.MirrorStore;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mirror of one cluster: one {@link ResourceSync} per discovered resource. Discovery runs at start, again
 * shortly after any change to CustomResourceDefinitions or APIServices (which are mirrored like everything else,
 * so their syncs report changes), and as a safety net every {@link #QUIET_REDISCOVERY_INTERVAL_MS}, or every
 * {@link #REDISCOVERY_INTERVAL_MS} while a group's discovery fails.
 */
public final class ClusterMirror {
  private static final Logger log = LoggerFactory.getLogger(ClusterMirror.class);
  /** Retries discovery this often while some group's discovery failed (an aggregated API that is down). */
  static final long REDISCOVERY_INTERVAL_MS = 30_000;
  /**
   * Catches discovery changes that come without a CRD/APIService event, when every group answered: rarely, since
   * each discovery is a request per group version (about 20 on a bare cluster) and CPU on every cluster.
   */
  static final long QUIET_REDISCOVERY_INTERVAL_MS = 300_000;
  /** CRD events come in bursts (create, then status updates until Established); one discovery per burst. */
  static final long DEBOUNCE_MS = 300;
  /**
   * After a CRD/APIService event, discovery runs again this often, {@link #FOLLOW_UPS} times: the apiserver's
   * discovery documents follow a CRD's Established condition with a delay (longer on a loaded apiserver), and the
   * last event of a burst may come before the new group is listed, which would leave it unmirrored until the
   * quiet interval.
   */
  static final long FOLLOW_UP_MS = 2_000;
  static final int FOLLOW_UPS = 3;

  private final Cluster cluster;
  private final ClusterSpec spec;
  private final MirrorStore store;
  private final ChangeWriter writer;
  private final Clock clock;
  private final MirrorMetrics metrics;
  private final ResourceFilter filter;
  private final Map<String, ResourceSync> syncs = new ConcurrentHashMap<>();
  /** What discovery found to mirror, owned or not: the API of every replica serves these kinds. */
  private final Map<String, ResourceType> types = new ConcurrentHashMap<>();
  /**
   * Whether this replica mirrors the cluster. Always with one replica; with several, only while it holds the
   * cluster's lease (see {@link ClusterOwnership}). A standby mirror runs discovery but no syncs.
   */
  private volatile boolean owned;
  /** The next owned reconcile is the first since ownership began: it removes resources that went away meanwhile. */
  private boolean firstOwned = true;
  private Discovery.Result lastFound;
  private final Semaphore rediscover = new Semaphore(0);
  private volatile boolean stopped;
  private volatile String lastError;
  private Thread thread;

  public ClusterMirror(Cluster cluster, MirrorStore store, ChangeWriter writer, Clock clock,
                       MirrorMetrics metrics) {
    this(cluster, store, writer, clock, metrics, true);
  }

  /** @param owned false to start as a standby (several replicas): it mirrors once {@link #own} is called */
  public ClusterMirror(Cluster cluster, MirrorStore store, ChangeWriter writer, Clock clock,
                       MirrorMetrics metrics, boolean owned) {
    this.owned = owned;
    this.metrics = metrics;
    this.cluster = cluster;
    this.spec = cluster.spec();
    this.store = store;
    this.writer = writer;
    this.clock = clock;
    this.filter = new ResourceFilter(spec.include(), spec.exclude());
  }

  public String clusterId() {
    return spec.id();
  }

  public ClusterSpec spec() {
    return spec;
  }

  /** The cluster handle (connection and served kinds) this mirror reads from. */
  public Cluster cluster() {
    return cluster;
  }

  /** The last discovery or connection error as a {@link FailureSummary} (no URLs, bodies or credentials), or null. */
  public String lastError() {
    return lastError;
  }

  /** The resources mirrored (by whichever replica owns the cluster). */
  public List<ResourceType> resources() {
    return List.copyOf(types.values());
  }

  /** The mirrored resource of a group ("" for core), if this cluster's mirror keeps it. */
  public Optional<ResourceType> resource(String group, String resource) {
    return Optional.ofNullable(types.get(ResourceType.qualify(group, resource)));
  }

  /** Whether this replica mirrors the cluster now (see {@link #own}). */
  public boolean owned() {
    return owned;
  }

  /**
   * Starts mirroring (this replica took the cluster's lease): syncs start from what is stored, as after a restart,
   * for the resources the last discovery found (discovery runs again at once too).
   */
  public void own() throws InterruptedException {
    synchronized (this) {
      if (owned || stopped) {
        return;
      }
      owned = true;
      firstOwned = true;
      if (lastFound != null) {
        reconcileResources(lastFound);
      }
    }
    rediscover.release();
  }

  /** Stops mirroring (the lease was lost or handed over); discovery goes on. Rows stay. */
  public void disown() {
    List<ResourceSync> stopping;
    synchronized (this) {
      owned = false;
      stopping = List.copyOf(syncs.values());
      syncs.clear();
    }
    stopping.parallelStream().forEach(ResourceSync::stop);
  }

  public void start() {
    thread = Thread.ofVirtual().name("cluster-" + spec.id()).start(this::run);
  }

  private void run() {
    Backoff backoff = new Backoff(clock);
    int followUps = 0;
    while (!stopped) {
      try {
        Discovery.Result discovered = cluster.discover();
        reconcileResources(discovered);
        lastError = null;
        backoff.reset();
        long interval = followUps > 0 ? FOLLOW_UP_MS : discovered.failedGroups().isEmpty()
            ? QUIET_REDISCOVERY_INTERVAL_MS : REDISCOVERY_INTERVAL_MS;
        if (rediscover.tryAcquire(interval, TimeUnit.MILLISECONDS)) {
          followUps = FOLLOW_UPS;
        } else if (followUps > 0) {
          followUps--;
        }
        Thread.sleep(DEBOUNCE_MS);
        rediscover.drainPermits();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        lastError = FailureSummary.of(e);
        long wait = backoff.next();
        log.warn("cluster {}: discovery failed, retrying in {} ms: {}", spec.id(), wait, lastError);
        try {
          Thread.sleep(wait);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /**
   * Starts syncs for new resources, restarts those whose preferred version changed, and stops and removes the
   * rows of those no longer served. At the first discovery, resources that were mirrored before a restart and
   * are gone now (a CRD deleted while kube-backend was down) are removed too.
   */
  private synchronized void reconcileResources(Discovery.Result found) throws InterruptedException {
    if (stopped) {
      return;
    }
    lastFound = found;
    Set<String> current = new HashSet<>();
    List<ResourceType> mirrored = found.kinds().stream()
        .filter(t -> t.listAndWatch() && filter.accepts(t)).toList();
    for (ResourceType t : mirrored) {
      types.put(t.qualifiedResource(), t);
      current.add(t.qualifiedResource());
    }
    types.entrySet().removeIf(e -> !current.contains(e.getKey())
        && !found.failedGroups().contains(e.getValue().group()));
    if (!owned) {
      return;
    }
    boolean first = firstOwned;
    firstOwned = false;
    for (ResourceType t : mirrored) {
      String key = t.qualifiedResource();
      ResourceSync existing = syncs.get(key);
      if (existing != null && existing.type().equals(t)) {
        continue;
      }
      if (existing != null) {
        log.info("cluster {}: {} changed version {} -> {}", spec.id(), key, existing.type().version(), t.version());
        existing.stop();
      }
      ResourceSync sync = new ResourceSync(spec.id(), t, cluster.client(), store, writer, spec.secretData(),
          spec.keepManagedFields(), watchesDiscovery(t) ? rediscover::release : null, clock, metrics);
      syncs.put(key, sync);
      sync.start();
    }
    for (var it = syncs.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      ResourceType t = e.getValue().type();
      if (!current.contains(e.getKey()) && !found.failedGroups().contains(t.group())) {
        log.info("cluster {}: {} is no longer served, removing its rows", spec.id(), e.getKey());
        e.getValue().stop();
        it.remove();
        writer.submit(new Change.RemoveResource(spec.id(), t.group(), t.resource()));
      }
    }
    if (first) {
      for (var row : store.syncStatus(spec.id())) {
        String key = ResourceType.qualify(row.group(), row.resource());
        if (!current.contains(key) && !found.failedGroups().contains(row.group())) {
          log.info("cluster {}: {} went away while stopped, removing its rows", spec.id(), key);
          writer.submit(new Change.RemoveResource(spec.id(), row.group(), row.resource()));
        }
      }
    }
  }

  private static boolean watchesDiscovery(ResourceType t) {
    return (t.group().equals("apiextensions.k8s.io") && t.resource().equals("customresourcedefinitions"))
        || (t.group().equals("apiregistration.k8s.io") && t.resource().equals("apiservices"));
  }

  /** Stops every sync; the owner closes the cluster handle. Rows stay (a restart resumes from them). */
  public void stop() {
    stopped = true;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      syncs.values().parallelStream().forEach(ResourceSync::stop);
      syncs.clear();
      owned = false;
    }
  }
}
