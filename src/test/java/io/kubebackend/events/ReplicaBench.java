package io.kubebackend.events;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.events.ReplicaProbe.Lease;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.BackendProcess;
import io.kubebackend.testing.BenchCluster;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Several replicas on one PostgreSQL (a command, not a test: {@code scripts/bench-ha.sh [kills] [objects]}); prints
 * numbers and asserts nothing:
 *
 * <ul>
 *   <li>takeover after {@code kill -9}: three replicas mirror two clusters under light churn; the owner of
 *       {@code ha-1} is killed K times (a new replica replaces it each time), and the time until another replica
 *       holds the lease at a newer epoch, and until the database equals the cluster, is measured from the kill
 *       (p50 and max);</li>
 *   <li>initial sync with 1 and with 3 replicas, in the same run: four clusters of N ConfigMaps of about 2 KB
 *       each, every replica process started at once on a fresh database, timed from the start until every row is
 *       in; with the CPU seconds of the replicas and of PostgreSQL over the same interval, which show where the
 *       database starts to limit.</li>
 * </ul>
 * The oracle for "in the database" is the bench's own SQL on the objects table, and the apiservers' own lists.
 */
public final class ReplicaBench {
  private static final String BULK_NS = "ha-bench";

  private ReplicaBench() {}

  public static void main(String[] args) throws Exception {
    int kills = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int objects = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    List<Path> kubeconfigs = new ArrayList<>(List.of(TestServers.kubeconfig(1), TestServers.kubeconfig(2)));
    try (BenchCluster c3 = BenchCluster.start(3); BenchCluster c4 = BenchCluster.start(4)) {
      kubeconfigs.add(c3.kubeconfig());
      kubeconfigs.add(c4.kubeconfig());
      takeovers(kubeconfigs.subList(0, 2), kills);
      Map<String, KubernetesClient> kubes = clients(kubeconfigs);
      try {
        for (KubernetesClient kube : kubes.values()) {
          fill(kube, objects);
        }
        Sync one = initialSync(kubeconfigs, kubes.keySet().stream().toList(), objects, 1);
        Sync three = initialSync(kubeconfigs, kubes.keySet().stream().toList(), objects, 3);
        for (Sync s : List.of(one, three)) {
          System.out.printf("initial sync, %d replica(s), %d clusters x %d ConfigMaps: %.1f s, %.0f objects/s;"
                  + " CPU s: replicas %.1f, PostgreSQL %.1f; clusters per replica %s%n", s.replicas(), kubes.size(),
              objects, s.seconds(), kubes.size() * objects / s.seconds(), s.replicaCpu(), s.postgresCpu(),
              s.spread());
        }
        System.out.printf("3 replicas vs 1: %.2fx the rate; PostgreSQL CPU per 1,000 objects %.3f s vs %.3f s%n",
            one.seconds() / three.seconds(), three.postgresCpu() * 1000 / (kubes.size() * objects),
            one.postgresCpu() * 1000 / (kubes.size() * objects));
      } finally {
        for (KubernetesClient kube : kubes.values()) {
          BenchCluster.deleteNamespace(kube, BULK_NS);
          kube.close();
        }
      }
    }
    System.exit(0);
  }

  // ---- takeover after kill -9 ----

  private static void takeovers(List<Path> kubeconfigs, int kills) throws Exception {
    String ns = EventsTestBed.unique("ha-bench-churn");
    String dbUrl = TestDatabases.freshUrl(Dialect.POSTGRESQL);
    Map<String, KubernetesClient> kubes = clients(kubeconfigs);
    List<String> clusters = kubes.keySet().stream().toList();
    Path config = config(dbUrl, kubeconfigs);
    Map<String, BackendProcess> replicas = new LinkedHashMap<>();
    ReplicaProbe.Churn churn = null;
    List<Long> takeoverMs = new ArrayList<>();
    List<Long> equalMs = new ArrayList<>();
    try (Database db = Database.open(dbUrl, null, null)) {
      for (KubernetesClient kube : kubes.values()) {
        EventsTestBed.createNamespace(kube, ns);
        for (int i = 0; i < 8; i++) {
          EventsTestBed.createConfigMap(kube, ns, "cm-" + i);
        }
      }
      int next = 1;
      for (; next <= 3; next++) {
        replicas.put("r" + next, BackendProcess.start(config, "bench-replica-r" + next, "--replica-id", "r" + next));
      }
      for (BackendProcess r : replicas.values()) {
        r.awaitPort(120_000);
      }
      churn = new ReplicaProbe.Churn(List.copyOf(kubes.values()), ns, 8, 50);
      for (int k = 0; k < kills; k++) {
        EventsTestBed.await("every cluster owned by a live replica", 120_000, () -> clusters.stream()
            .allMatch(c -> {
              Lease l = lease(db, c);
              return l != null && !l.expired() && replicas.containsKey(l.owner());
            }));
        equal(db, kubes, ns, 120_000);
        Lease before = lease(db, clusters.getFirst());
        long killedAt = System.nanoTime();
        replicas.remove(before.owner()).kill();
        EventsTestBed.await("ha-1 taken over", 120_000, () -> {
          Lease now = lease(db, clusters.getFirst());
          return now.epoch() > before.epoch() && !now.owner().equals(before.owner()) && !now.expired();
        });
        takeoverMs.add((System.nanoTime() - killedAt) / 1_000_000);
        equal(db, kubes, ns, 120_000);
        equalMs.add((System.nanoTime() - killedAt) / 1_000_000);
        System.out.printf("kill %d of %s: taken over after %d ms, database equal to the cluster after %d ms%n",
            k + 1, before.owner(), takeoverMs.getLast(), equalMs.getLast());
        String id = "r" + next++;
        BackendProcess replacement = BackendProcess.start(config, "bench-replica-" + id, "--replica-id", id);
        replicas.put(id, replacement);
        replacement.awaitPort(120_000);
      }
    } finally {
      if (churn != null) {
        churn.close();
      }
      for (BackendProcess r : replicas.values()) {
        r.close();
      }
      for (KubernetesClient kube : kubes.values()) {
        EventsTestBed.deleteNamespace(kube, ns);
        kube.close();
      }
    }
    System.out.printf("takeover after kill -9 over %d kills (lease 5 s): p50 %d ms, max %d ms; database equal to"
        + " the cluster: p50 %d ms, max %d ms%n", kills, p50(takeoverMs), max(takeoverMs), p50(equalMs), max(equalMs));
  }

  private static void equal(Database db, Map<String, KubernetesClient> kubes, String ns, long timeoutMs)
      throws InterruptedException {
    ReplicaProbe.awaitEqual(db, kubes, ns, "the database equal to the clusters", timeoutMs);
  }

  private static Lease lease(Database db, String cluster) {
    return ReplicaProbe.lease(db, cluster);
  }

  // ---- initial sync, 1 vs 3 replicas ----

  record Sync(int replicas, double seconds, double replicaCpu, double postgresCpu, Map<String, Integer> spread) {}

  private static Sync initialSync(List<Path> kubeconfigs, List<String> clusters, int objects, int count)
      throws Exception {
    String dbUrl = TestDatabases.freshUrl(Dialect.POSTGRESQL);
    Path config = config(dbUrl, kubeconfigs);
    List<BackendProcess> replicas = new ArrayList<>();
    try (Database db = Database.open(dbUrl, null, null)) {
      double pgBefore = postgresCpu();
      long t0 = System.nanoTime();
      for (int i = 1; i <= count; i++) {
        replicas.add(BackendProcess.start(config, "bench-sync-" + count + "-r" + i, "--replica-id", "s" + i));
      }
      double[] replicaCpu = new double[1];
      // Polled twice a second, not faster: the count is work for the database being measured.
      while (!clusters.stream().allMatch(c -> bulkRows(db, c) >= objects)) {
        replicaCpu[0] = replicas.stream().mapToDouble(BackendProcess::cpuSeconds).sum();
        if (System.nanoTime() - t0 > 30L * 60 * 1_000_000_000L) {
          throw new IllegalStateException("the initial sync did not end within 30 minutes");
        }
        Thread.sleep(500);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      double pgCpu = postgresCpu() - pgBefore;
      Map<String, Integer> spread = new LinkedHashMap<>();
      for (String c : clusters) {
        spread.merge(lease(db, c).owner(), 1, Integer::sum);
      }
      return new Sync(count, seconds, replicaCpu[0], pgCpu, spread);
    } finally {
      for (BackendProcess r : replicas) {
        r.close();
      }
      TestDatabases.drop(dbUrl);
    }
  }

  private static long bulkRows(Database db, String cluster) {
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM objects"
        + " WHERE cluster = ? AND api_group = '' AND resource = 'configmaps' AND namespace = ?")) {
      ps.setString(1, cluster);
      ps.setString(2, BULK_NS);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Creates the bulk namespace's ConfigMaps of about 2 KB that are missing (a rerun reuses them). */
  private static void fill(KubernetesClient kube, int objects) throws InterruptedException {
    if (kube.namespaces().withName(BULK_NS).get() == null) {
      kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(BULK_NS).endMetadata().build())
          .create();
    }
    int have = kube.configMaps().inNamespace(BULK_NS).list().getItems().size();
    String filler = "x".repeat(1_900);
    long t0 = System.nanoTime();
    Semaphore inFlight = new Semaphore(32);
    AtomicInteger failures = new AtomicInteger();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < objects; i++) {
        int n = i;
        inFlight.acquire();
        pool.submit(() -> {
          try {
            kube.configMaps().inNamespace(BULK_NS).resource(new ConfigMapBuilder().withNewMetadata()
                .withName("cm-" + n).endMetadata().withData(Map.of("filler", filler)).build()).createOr(c -> null);
          } catch (RuntimeException e) {
            if (failures.incrementAndGet() < 5) {
              System.err.println("creating cm-" + n + ": " + e.getMessage());
            }
          } finally {
            inFlight.release();
          }
        });
      }
    }
    int now = kube.configMaps().inNamespace(BULK_NS).list().getItems().size();
    System.out.printf("%s: %d ConfigMaps in %s (%d were there) in %.0f s%n", kube.getMasterUrl(), now, BULK_NS,
        have, (System.nanoTime() - t0) / 1e9);
  }

  // ---- plumbing ----

  private static Map<String, KubernetesClient> clients(List<Path> kubeconfigs) {
    Map<String, KubernetesClient> out = new LinkedHashMap<>();
    for (int i = 0; i < kubeconfigs.size(); i++) {
      out.put("ha-" + (i + 1), ClusterClients.connect(ClusterSpec.fromKubeconfig("cluster-" + (i + 1),
          kubeconfigs.get(i).toString(), null)));
    }
    return out;
  }

  private static Path config(String dbUrl, List<Path> kubeconfigs) throws Exception {
    Path file = Files.createTempFile("kb-ha-bench", ".yaml");
    List<String> lines = new ArrayList<>(List.of(
        "http: {host: 127.0.0.1, port: 0, tlsPort: -1}",
        "database: {url: '" + dbUrl + "'}",
        "clusters:"));
    for (int i = 0; i < kubeconfigs.size(); i++) {
      lines.add("  - id: ha-" + (i + 1));
      lines.add("    kubeconfig: '" + kubeconfigs.get(i) + "'");
      lines.add("    include: [configmaps]");
    }
    lines.addAll(List.of(
        "security: {credentialKey: '" + Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32)) + "'}",
        "auth: {adminPassword: '" + RunningBackend.ADMIN_PASSWORD + "', bcryptCost: 4}",
        ""));
    Files.writeString(file, String.join("\n", lines), StandardCharsets.UTF_8);
    return file;
  }

  /** The CPU seconds of every PostgreSQL process now alive (the server and its backends). */
  private static double postgresCpu() {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().map(c -> c.endsWith("/postgres") || c.endsWith("postgres")).orElse(false))
        .mapToDouble(p -> BackendProcess.cpuSeconds(p.pid())).sum();
  }

  private static long p50(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    return sorted.isEmpty() ? 0 : sorted.get((sorted.size() - 1) / 2);
  }

  private static long max(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).max().orElse(0);
  }
}
