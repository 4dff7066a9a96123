package io.kubebackend.bench;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.mirror.ChangeWriter;
import io.kubebackend.mirror.MirrorMetrics;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.store.Change;
import io.kubebackend.store.Database;
import io.kubebackend.store.SqlMirrorStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Initial-sync throughput and memory of the mirror against a real apiserver: creates N ConfigMaps of about
 * 2 KB, mirrors them (rows + outbox events + owners, the production path), and compares with bare batched
 * upserts of the same rows into the objects table alone, on the same database in the same run.
 */
@Command(name = "mirror", mixinStandardHelpOptions = true,
    description = "Initial sync rate (with events) vs bare upserts, and heap per mirrored object.")
public final class MirrorBench implements Callable<Integer> {

  @Option(names = "--kubeconfig", required = true, description = "cluster to create the objects in")
  String kubeconfig;

  @Option(names = "--db", description = "JDBC URL; default a new SQLite file")
  String db;

  @Option(names = "--objects", defaultValue = "20000")
  int objects;

  @Override
  public Integer call() throws Exception {
    String url = db != null ? db : "jdbc:sqlite:" + Files.createTempDirectory("kb-bench").resolve("bench.db");
    String ns = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    ClusterSpec spec = ClusterSpec.fromKubeconfig("bench", kubeconfig, null);
    try (KubernetesClient client = ClusterClients.connect(spec)) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
      try {
        long t0 = System.nanoTime();
        createConfigMaps(client, ns);
        System.out.printf("created %d ConfigMaps in the apiserver: %.0f/s%n", objects,
            objects / seconds(t0));
        run(url, spec, client, ns);
      } finally {
        // Wait for the namespace to be gone: its deletion floods watches, which would skew a following run.
        client.namespaces().withName(ns).delete();
        client.namespaces().withName(ns).waitUntilCondition(n -> n == null, 10, java.util.concurrent.TimeUnit.MINUTES);
      }
    }
    return 0;
  }

  private void createConfigMaps(KubernetesClient client, String ns) throws Exception {
    String filler = "x".repeat(1500);
    Semaphore inFlight = new Semaphore(64);
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < objects; i++) {
        int n = i;
        inFlight.acquire();
        fs.add(ex.submit(() -> {
          try {
            client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
                .withName("cm-" + n).addToLabels("app", "bench").addToLabels("shard", Integer.toString(n % 10))
                .endMetadata().addToData("payload", filler).build()).create();
          } finally {
            inFlight.release();
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    }
  }

  private void run(String url, ClusterSpec spec, KubernetesClient client, String ns) throws Exception {
    long tList = System.nanoTime();
    int listed = 0;
    String cont = null;
    do {
      var page = client.configMaps().inNamespace(ns).list(new ListOptionsBuilder().withLimit(500L)
          .withContinue(cont).build());
      listed += page.getItems().size();
      cont = page.getMetadata().getContinue();
    } while (cont != null && !cont.isEmpty());
    System.out.printf("apiserver LIST alone (pages of 500): %.0f objects/s%n", listed / seconds(tList));

    ClusterSpec onlyConfigMaps = new ClusterSpec(spec.id(), spec.kubeconfig(), null, null, null, null, null,
        List.of("configmaps"), List.of(), false, false);
    try (Database database = Database.open(url, null, null)) {
      SqlMirrorStore store = new SqlMirrorStore(database, Clock.systemUTC());
      long heapBefore = usedHeapAfterGc();
      SimpleMeterRegistry writeMetrics = new SimpleMeterRegistry();
      ChangeWriter writer = new ChangeWriter(store, 20_000, 1_000, writeMetrics);
      RuntimeMirror mirror = new RuntimeMirror(store, writer, Clock.systemUTC(),
          new MirrorMetrics(new SimpleMeterRegistry()));
      long t0 = System.nanoTime();
      mirror.add(onlyConfigMaps);
      while (countIn(database, ns) < objects) {
        Thread.sleep(10);
      }
      double syncSeconds = seconds(t0);
      writer.awaitWritten(60_000);
      long heapAfter = usedHeapAfterGc();
      long mirrored = store.count(spec.id());
      mirror.close();
      writer.close();
      String d = "[" + database.dialect() + "]";
      var batches = writeMetrics.get("kb.mirror.write.batch").timer();
      System.out.printf("%s writer: %d transactions, %.0f changes each on average, mean %.1f ms, max %.1f ms%n", d,
          batches.count(), writer.written() / (double) batches.count(),
          batches.mean(java.util.concurrent.TimeUnit.MILLISECONDS), batches.max(java.util.concurrent.TimeUnit.MILLISECONDS));
      System.out.printf("%s initial sync, list + rows + outbox events: %d objects in %.2f s = %.0f objects/s%n",
          d, objects, syncSeconds, objects / syncSeconds);
      System.out.printf("%s heap held by the running mirror: %.0f bytes per mirrored object (%d objects)%n",
          d, (heapAfter - heapBefore) / (double) mirrored, mirrored);

      List<String[]> rows = rows(database, ns);
      double bare = bareUpserts(database, rows);
      double full = storeApply(store, rows);
      System.out.printf("%s bare batched upserts, objects table only, 500/commit: %.0f rows/s%n", d, bare);
      System.out.printf("%s store write path (rows + owners + outbox event), 500/commit: %.0f rows/s = %.0f%% of"
          + " bare (target >= 70%%)%n", d, full, 100 * full / bare);
    }
  }

  private static long countIn(Database database, String ns) throws Exception {
    try (Connection c = database.connection();
         PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM objects WHERE namespace = ?")) {
      ps.setString(1, ns);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static List<String[]> rows(Database database, String ns) throws Exception {
    List<String[]> rows = new ArrayList<>();
    try (Connection c = database.connection();
         PreparedStatement ps = c.prepareStatement("SELECT cluster, api_group, version, resource, kind, namespace,"
             + " name, uid, resource_version, " + database.dialect().jsonText("labels") + ", created_ms, synced_ms, "
             + database.dialect().jsonText("object") + " FROM objects WHERE namespace = ?")) {
      ps.setString(1, ns);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String[] r = new String[13];
          for (int i = 0; i < 13; i++) {
            r[i] = rs.getString(i + 1);
          }
          rows.add(r);
        }
      }
    }
    return rows;
  }

  /** The production write path: the same rows as new objects of another cluster, through SqlMirrorStore. */
  private static double storeApply(SqlMirrorStore store, List<String[]> rows) {
    ResourceType cm = new ResourceType("", "v1", "configmaps", "ConfigMap", true);
    List<Change> batch = new ArrayList<>();
    long t0 = System.nanoTime();
    for (String[] r : rows) {
      batch.add(new Change.Upsert("bench-copy", cm, r[5], r[6], r[7], r[8], r[9], List.of(),
          Long.parseLong(r[10]), r[12], Change.Op.READ));
      if (batch.size() == 500) {
        store.apply(batch);
        batch.clear();
      }
    }
    store.apply(batch);
    return rows.size() / seconds(t0);
  }

  /**
   * Upserts the rows, 500 per transaction, into the objects table (all its indexes) as another cluster id,
   * with nothing else: no owners, no events.
   */
  private static double bareUpserts(Database database, List<String[]> rows) throws Exception {
    String json = database.dialect().jsonParam();
    String sql = "INSERT INTO objects (cluster, api_group, version, resource, kind, namespace, name, uid,"
        + " resource_version, labels, created_ms, synced_ms, object) VALUES (?,?,?,?,?,?,?,?,?," + json
        + ",?,?," + json + ") ON CONFLICT (cluster, api_group, resource, namespace, name) DO UPDATE SET"
        + " resource_version = excluded.resource_version, object = excluded.object";
    long t0 = System.nanoTime();
    try (Connection c = database.connection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int n = 0;
        for (String[] r : rows) {
          for (int i = 0; i < 13; i++) {
            if (i == 0) {
              ps.setString(1, "bench-bare");
            } else if (i == 10 || i == 11) {
              ps.setLong(i + 1, Long.parseLong(r[i]));
            } else {
              ps.setString(i + 1, r[i]);
            }
          }
          ps.addBatch();
          if (++n % 500 == 0) {
            ps.executeBatch();
            c.commit();
          }
        }
        ps.executeBatch();
        c.commit();
      }
    }
    double rate = rows.size() / seconds(t0);
    try (Connection c = database.connection(); Statement s = c.createStatement()) {
      s.execute("DELETE FROM objects WHERE cluster = 'bench-bare'");
    }
    return rate;
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
