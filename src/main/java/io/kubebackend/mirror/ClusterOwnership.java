package io.kubebackend.mirror;

import io.kubebackend.store.Leases;
import io.kubebackend.store.MirrorFence;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several replicas on one PostgreSQL: which clusters this replica mirrors. Every {@link #TICK} it writes its
 * heartbeat, follows cluster registrations made elsewhere, and for each cluster computes the preferred replica by
 * rendezvous hashing over the live replicas (so a joining or leaving replica moves only its share of clusters).
 * It takes the cluster's lease when it is the preferred replica and the lease is free, renews what it holds, and
 * hands over what it holds but is no longer preferred for. A lease free for longer than its time to live is taken
 * by any replica, so no cluster stays unmirrored because its preferred replica cannot take it.
 *
 * <p>It is also the store's {@link MirrorFence}: the store writes a cluster's changes only while this replica
 * holds that cluster's lease at the epoch it took it at. Losing a lease (a failed renewal, or a write refused for
 * a newer epoch) stops the cluster's syncs at once; whatever they had queued is then not written, and the next
 * owner's sync starts from the rows, as after a restart.
 */
public final class ClusterOwnership implements MirrorFence, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterOwnership.class);
  static final Duration TICK = Duration.ofSeconds(1);

  private final String replicaId;
  private final Leases leases;
  private final RuntimeMirror mirror;
  private final ClusterRegistry registry;
  private final ChangeWriter writer;
  private final Duration ttl;
  /** clusterId -> the epoch this replica holds its lease at. */
  private final Map<String, Long> held = new ConcurrentHashMap<>();
  /** Clusters whose writes the store refused for a newer epoch: given up at the next tick. */
  private final Set<String> fencedOut = ConcurrentHashMap.newKeySet();
  private volatile boolean running = true;
  private volatile String lastError;
  private Thread thread;

  public ClusterOwnership(String replicaId, Leases leases, RuntimeMirror mirror, ClusterRegistry registry,
                          ChangeWriter writer, Duration ttl) {
    this.replicaId = replicaId;
    this.leases = leases;
    this.mirror = mirror;
    this.registry = registry;
    this.writer = writer;
    this.ttl = ttl;
  }

  public ClusterOwnership start() {
    leases.join(replicaId);
    tickLogged();
    thread = Thread.ofPlatform().name("cluster-ownership").daemon().start(this::run);
    return this;
  }

  @Override
  public String owner() {
    return replicaId;
  }

  @Override
  public OptionalLong epoch(String clusterId) {
    Long e = held.get(clusterId);
    return e == null ? OptionalLong.empty() : OptionalLong.of(e);
  }

  @Override
  public void fenced(String clusterId, long epoch) {
    if (Long.valueOf(epoch).equals(held.get(clusterId))) {
      fencedOut.add(clusterId);
    }
  }

  /** The clusters this replica holds, with their epochs. */
  public Map<String, Long> held() {
    return Map.copyOf(held);
  }

  public String replicaId() {
    return replicaId;
  }

  /** Why the last round failed (the database was unreachable), or null. */
  public String lastError() {
    return lastError;
  }

  private void run() {
    while (running) {
      try {
        Thread.sleep(TICK.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      tickLogged();
    }
  }

  private void tickLogged() {
    try {
      tick();
      lastError = null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // The database is unreachable: the leases held may expire meanwhile; the fence keeps a former owner's writes out.
      lastError = e.getMessage();
      log.warn("replica {}: lease round failed, retrying in {} ms: {}", replicaId, TICK.toMillis(), e.getMessage());
    }
  }

  /** One round; package-private so a test can drive it. */
  synchronized void tick() throws InterruptedException {
    if (!running) {
      return;
    }
    leases.heartbeat(replicaId);
    registry.refresh();
    List<String> live = new ArrayList<>();
    for (Leases.Replica r : leases.live(ttl)) {
      live.add(r.id());
    }
    if (!live.contains(replicaId)) {
      live.add(replicaId);
    }
    Map<String, Leases.Lease> byName = new HashMap<>();
    for (Leases.Lease l : leases.list(Leases.CLUSTER_PREFIX)) {
      byName.put(l.name(), l);
    }
    for (String id : List.copyOf(held.keySet())) {
      if (mirror.get(id).isEmpty()) {
        held.remove(id); // removed (here or on another replica); its lease row went with it
      }
    }
    for (ClusterMirror m : List.copyOf(mirror.clusters())) {
      String id = m.clusterId();
      String name = Leases.clusterLease(id);
      boolean preferred = preferred(live, id).equals(replicaId);
      Long epoch = held.get(id);
      if (epoch != null) {
        if (fencedOut.remove(id) || !leases.renew(name, replicaId, epoch, ttl)) {
          log.warn("replica {}: lost the lease of cluster {} (epoch {}): another replica took it", replicaId, id, epoch);
          giveUp(m, epoch, false);
        } else if (!preferred) {
          log.info("replica {}: handing cluster {} over", replicaId, id);
          giveUp(m, epoch, true);
        }
        continue;
      }
      Leases.Lease l = byName.get(name);
      boolean free = l == null || l.expired();
      boolean abandoned = l != null && l.nowMs() - l.expiresMs() > ttl.toMillis();
      if (free && (preferred || abandoned)) {
        OptionalLong taken = leases.acquire(name, replicaId, ttl);
        if (taken.isPresent()) {
          held.put(id, taken.getAsLong());
          log.info("replica {}: mirrors cluster {} (epoch {}, was {})", replicaId, id, taken.getAsLong(),
              l == null ? "never owned" : l.owner());
          m.own();
        }
      }
    }
  }

  /**
   * Stops mirroring a cluster. A handover first writes what its syncs queued (under the lease still held), then
   * releases the lease so the next owner takes it at once. A lost lease is not ours to write under: it is dropped
   * from {@link #held} first, so what is still queued is not written.
   */
  private void giveUp(ClusterMirror m, long epoch, boolean handOver) throws InterruptedException {
    if (!handOver) {
      held.remove(m.clusterId());
    }
    m.disown();
    writer.awaitWritten(10_000);
    if (handOver) {
      held.remove(m.clusterId());
      leases.release(Leases.clusterLease(m.clusterId()), replicaId, epoch);
    }
  }

  /** The live replica with the highest hash of (replica, cluster): rendezvous (highest random weight) hashing. */
  static String preferred(List<String> replicas, String clusterId) {
    String best = null;
    long bestWeight = Long.MIN_VALUE;
    for (String r : replicas) {
      long w = weight(r, clusterId);
      if (best == null || w > bestWeight || (w == bestWeight && r.compareTo(best) < 0)) {
        best = r;
        bestWeight = w;
      }
    }
    return best;
  }

  private static long weight(String replica, String clusterId) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256")
          .digest((replica + "\u0000" + clusterId).getBytes(StandardCharsets.UTF_8));
      long w = 0;
      for (int i = 0; i < 8; i++) {
        w = (w << 8) | (d[i] & 0xff);
      }
      return w;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A clean stop: every cluster is handed over (its queued changes written, its lease released) and the heartbeat
   * row deleted, so the other replicas take over within a round instead of after the lease expires.
   */
  @Override
  public void close() {
    running = false;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      try {
        for (String id : held.keySet()) {
          mirror.get(id).ifPresent(ClusterMirror::disown);
        }
        writer.awaitWritten(10_000);
        for (var e : Map.copyOf(held).entrySet()) {
          held.remove(e.getKey());
          leases.release(Leases.clusterLease(e.getKey()), replicaId, e.getValue());
        }
        leases.leave(replicaId);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        log.warn("replica {}: could not release its leases (they expire by themselves): {}", replicaId, e.getMessage());
      }
    }
  }
}
