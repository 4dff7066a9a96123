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
import io.kubebackend.store.MirrorStore;
import io.kubebackend.store.ObjectKey;
import io.kubebackend.store.SqlMirrorStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
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
    description = "Initial sync rate and CPU (with events) vs LIST alone and bare upserts, heap per mirrored object,"
        + " watch event -> row latency at 200 changes/s, and a re-list over the synced database.")
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
        createConfigMaps(client, ns, objects);
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

  /** Creates ConfigMaps {@code cm-0..cm-(objects-1)} of about 2 KB in {@code ns}, 64 requests in flight. */
  public static void createConfigMaps(KubernetesClient client, String ns, int objects) throws Exception {
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
    warmUp(onlyConfigMaps, ns);
    try (Database database = Database.open(url, null, null)) {
      SqlMirrorStore sqlStore = new SqlMirrorStore(database, Clock.systemUTC());
      StampedCommits store = new StampedCommits(sqlStore);
      String d = "[" + database.dialect() + "]";
      long heapBefore = usedHeapAfterGc();
      SimpleMeterRegistry writeMetrics = new SimpleMeterRegistry();
      ChangeWriter writer = new ChangeWriter(store, 20_000, 1_000, writeMetrics);
      RuntimeMirror mirror = new RuntimeMirror(store, writer, Clock.systemUTC(),
          new MirrorMetrics(new SimpleMeterRegistry()));
      long cpu0 = cpuNanos();
      long t0 = System.nanoTime();
      mirror.add(onlyConfigMaps);
      while (countIn(database, ns) < objects) {
        Thread.sleep(10);
      }
      double syncSeconds = seconds(t0);
      double syncCpu = (cpuNanos() - cpu0) / 1e9;
      writer.awaitWritten(60_000);
      long heapAfter = usedHeapAfterGc();
      long mirrored = sqlStore.count(spec.id());
      var batches = writeMetrics.get("kb.mirror.write.batch").timer();
      System.out.printf("%s writer: %d transactions, %.0f changes each on average, mean %.1f ms, max %.1f ms%n", d,
          batches.count(), writer.written() / (double) batches.count(),
          batches.mean(java.util.concurrent.TimeUnit.MILLISECONDS), batches.max(java.util.concurrent.TimeUnit.MILLISECONDS));
      System.out.printf("%s initial sync, list + rows + outbox events: %d objects in %.2f s = %.0f objects/s%n",
          d, objects, syncSeconds, objects / syncSeconds);
      System.out.printf("%s initial sync CPU of this JVM (user+sys): %.2f s = %.0f ms per 1,000 objects%n", d,
          syncCpu, 1000 * syncCpu * 1000 / objects);
      System.out.printf("%s heap held by the running mirror: %.0f bytes per mirrored object (%d objects)%n",
          d, (heapAfter - heapBefore) / (double) mirrored, mirrored);
      watchLatency(client, ns, store, d);
      mirror.close();
      writer.close();

      // A restart over the synced database: the index is seeded from the rows, the list finds nothing new.
      SimpleMeterRegistry relistMetrics = new SimpleMeterRegistry();
      ChangeWriter rewriter = new ChangeWriter(store, 20_000, 1_000, new SimpleMeterRegistry());
      RuntimeMirror remirror = new RuntimeMirror(store, rewriter, Clock.systemUTC(), new MirrorMetrics(relistMetrics));
      long changesBefore = store.objectChanges();
      long rcpu0 = cpuNanos();
      long r0 = System.nanoTime();
      remirror.add(onlyConfigMaps);
      while (relistMetrics.get("kb.mirror.lists").tag("reason", "initial").counter().count() < 1) {
        Thread.sleep(5);
      }
      rewriter.awaitWritten(60_000);
      double relistSeconds = seconds(r0);
      double relistCpu = (cpuNanos() - rcpu0) / 1e9;
      long rewritten = store.objectChanges() - changesBefore;
      remirror.close();
      rewriter.close();
      System.out.printf("%s re-list over the synced database: %d objects in %.2f s = %.0f objects/s, CPU %.2f s ="
          + " %.0f ms per 1,000 objects; %d object rows rewritten%n", d, mirrored,
          relistSeconds, mirrored / relistSeconds, relistCpu, 1000 * relistCpu * 1000 / mirrored, rewritten);

      List<String[]> rows = rows(database, ns);
      double bare = bareUpserts(database, rows);
      double full = storeApply(sqlStore, rows);
      System.out.printf("%s bare batched upserts, objects table only, 500/commit: %.0f rows/s%n", d, bare);
      System.out.printf("%s store write path (rows + owners + outbox event), 500/commit: %.0f rows/s = %.0f%% of"
          + " bare (target >= 70%%)%n", d, full, 100 * full / bare);
    }
  }

  /**
   * One whole sync into a scratch SQLite file, not measured: the JIT compiles the list, parse and write paths here,
   * not inside the measured sync (whose CPU would otherwise be mostly the compiler's).
   */
  private void warmUp(ClusterSpec spec, String ns) throws Exception {
    Path file = Files.createTempDirectory("kb-bench-warmup").resolve("warmup.db");
    try (Database database = Database.open("jdbc:sqlite:" + file, null, null)) {
      SqlMirrorStore store = new SqlMirrorStore(database, Clock.systemUTC());
      ChangeWriter writer = new ChangeWriter(store, 20_000, 1_000, new SimpleMeterRegistry());
      RuntimeMirror mirror = new RuntimeMirror(store, writer, Clock.systemUTC(),
          new MirrorMetrics(new SimpleMeterRegistry()));
      mirror.add(spec);
      while (countIn(database, ns) < objects) {
        Thread.sleep(10);
      }
      mirror.close();
      writer.close();
    }
  }

  /**
   * Patches at {@link #LATENCY_RATE} per second for {@link #LATENCY_SECONDS}, each carrying its send time, and
   * prints the time from the patch being sent to its row being committed (p50/p99).
   */
  private static void watchLatency(KubernetesClient client, String ns, StampedCommits store, String d)
      throws Exception {
    int n = LATENCY_RATE * LATENCY_SECONDS;
    store.expect(n);
    long periodNanos = 1_000_000_000L / LATENCY_RATE;
    long start = System.nanoTime();
    long cpu0 = cpuNanos();
    Semaphore inFlight = new Semaphore(64);
    try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < n; i++) {
        long due = start + i * periodNanos;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        int k = i;
        inFlight.acquire();
        ex.submit(() -> {
          try {
            client.configMaps().inNamespace(ns).withName("cm-" + k).patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                    io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                "{\"data\":{\"stamp\":\"" + System.nanoTime() + "\"}}");
          } finally {
            inFlight.release();
          }
          return null;
        });
      }
    }
    long[] latencies = store.awaitLatencies(Duration.ofSeconds(60));
    double cpu = (cpuNanos() - cpu0) / 1e9;
    Arrays.sort(latencies);
    System.out.printf("%s watch event -> row at %d changes/s: %d of %d rows, patch sent -> row committed p50 %.1f ms,"
        + " p99 %.1f ms, max %.1f ms (JVM CPU %.2f s, the patches' own included)%n", d, LATENCY_RATE,
        latencies.length, n, pct(latencies, 50), pct(latencies, 99), pct(latencies, 100), cpu);
  }

  private static final int LATENCY_RATE = 200;
  private static final int LATENCY_SECONDS = 10;

  private static double pct(long[] sorted, int p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /**
   * The store, noting when each object change commits: a row whose JSON carries a {@code stamp} (a sender's
   * {@link System#nanoTime}) gives one latency.
   */
  private static final class StampedCommits implements MirrorStore {
    private static final String MARK = "\"stamp\":\"";
    private final MirrorStore delegate;
    private final java.util.concurrent.atomic.AtomicLong objectChanges = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.Queue<Long> latencies = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile int expected;

    StampedCommits(MirrorStore delegate) {
      this.delegate = delegate;
    }

    void expect(int n) {
      latencies.clear();
      expected = n;
    }

    long[] awaitLatencies(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (latencies.size() < expected && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      return latencies.stream().mapToLong(Long::longValue).toArray();
    }

    long objectChanges() {
      return objectChanges.get();
    }

    @Override
    public void apply(List<Change> changes) {
      delegate.apply(changes);
      long now = System.nanoTime();
      for (Change c : changes) {
        if (c instanceof Change.Upsert u) {
          objectChanges.incrementAndGet();
          int at = u.objectJson().indexOf(MARK);
          if (at >= 0 && expected > 0) {
            int from = at + MARK.length();
            latencies.add(now - Long.parseLong(u.objectJson().substring(from, u.objectJson().indexOf('"', from))));
          }
        }
      }
    }

    @Override
    public Map<String, String> resourceVersions(String cluster, ResourceType type) {
      return delegate.resourceVersions(cluster, type);
    }

    @Override
    public Optional<StoredObject> get(ObjectKey key) {
      return delegate.get(key);
    }

    @Override
    public Map<String, String> uidVersions(String cluster) {
      return delegate.uidVersions(cluster);
    }

    @Override
    public long count(String cluster) {
      return delegate.count(cluster);
    }

    @Override
    public List<SyncStatusRow> syncStatus(String cluster) {
      return delegate.syncStatus(cluster);
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
