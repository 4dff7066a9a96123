package io.kubebackend.events;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the replica test and benchmark read for themselves, not through the code under test: lease rows with SQL,
 * ConfigMaps from the apiserver and from the objects table.
 */
final class ReplicaProbe {
  private ReplicaProbe() {}

  record Lease(String owner, long epoch, boolean expired) {}

  /**
   * Steady churn: a thread patching ConfigMaps {@code cm-0..cm-(objects-1)} of {@code ns}, one cluster after the
   * other, every {@code pauseMs}; failures (a replica or apiserver away) are printed and the churn goes on.
   */
  static final class Churn implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger updates = new AtomicInteger();
    private final Thread thread;

    Churn(List<KubernetesClient> kubes, String ns, int objects, long pauseMs) {
      thread = Thread.ofPlatform().name("churn").start(() -> {
        for (int i = 0; running.get(); i++) {
          try {
            EventsTestBed.updateConfigMap(kubes.get(i % kubes.size()), ns, "cm-" + (i / kubes.size()) % objects,
                "v" + i);
            updates.incrementAndGet();
            Thread.sleep(pauseMs);
          } catch (InterruptedException e) {
            return;
          } catch (RuntimeException e) {
            System.err.println("churn: " + e.getMessage());
          }
        }
      });
    }

    /** Patches made so far. */
    int updates() {
      return updates.get();
    }

    /** Stops the churn and waits (at most 10 s) for its last patch. */
    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(10_000);
    }
  }

  /** The lease row of a cluster, with "expired" by the database's clock; null if there is none. */
  static Lease lease(Database db, String cluster) {
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT owner, epoch,"
        + " expires_ms <= CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) FROM leases WHERE name = ?")) {
      ps.setString(1, "cluster:" + cluster);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new Lease(rs.getString(1), rs.getLong(2), rs.getBoolean(3)) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every cluster's ConfigMaps of the namespace in the database equal the apiserver's (name and resourceVersion). */
  static void awaitEqual(Database db, Map<String, KubernetesClient> kubes, String ns, String what, long timeoutMs)
      throws InterruptedException {
    EventsTestBed.await(what, timeoutMs, () -> kubes.entrySet().stream().allMatch(k -> stored(db, k.getKey(), ns)
        .equals(live(k.getValue(), ns))));
  }

  static Map<String, String> live(KubernetesClient kube, String ns) {
    Map<String, String> out = new HashMap<>();
    kube.configMaps().inNamespace(ns).list().getItems()
        .forEach(c -> out.put(c.getMetadata().getName(), c.getMetadata().getResourceVersion()));
    return out;
  }

  static Map<String, String> stored(Database db, String cluster, String ns) {
    Map<String, String> out = new HashMap<>();
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT name, resource_version"
        + " FROM objects WHERE cluster = ? AND api_group = '' AND resource = 'configmaps' AND namespace = ?")) {
      ps.setString(1, cluster);
      ps.setString(2, ns);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getString(2));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }
}
