package io.kubebackend.mirror;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.kubebackend.bench.MirrorBench;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.testing.BackendProcess;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import io.kubebackend.store.Dialect;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * kube-backend beside Clusterpedia's clustersynchro-manager (a command, not a test: {@code
 * scripts/bench-clusterpedia.sh}); prints numbers and asserts nothing. Both mirror the ConfigMaps of local cluster-1
 * into databases of their own on the same PostgreSQL; Clusterpedia reads its PediaCluster from local cluster-2.
 * Each tool runs alone, one after the other, twice. For each run: the time and CPU (user + system, from /proc) from
 * the process start until every ConfigMap is a row, the RSS then, the CPU while P patches arrive at R per second,
 * and the time from each patch being sent to its row being committed; the patches twice, right after the sync and
 * once more (on a JVM the first round also pays for compiling the patch path). Commits are seen through a trigger
 * of the bench's own on each tool's table ({@code pg_notify} at commit), the same for both.
 *
 * <p>Clusterpedia is not built here: the Go module proxy refuses its module. Give a binary built from a checkout
 * of its repository (which vendors its dependencies), and that checkout for its CRDs:
 * {@code CLUSTERPEDIA_SRC=/path/to/clusterpedia CLUSTERPEDIA_BIN=/path/to/clustersynchro-manager}.
 */
public final class ClusterpediaBench {
  private ClusterpediaBench() {}

  public static void main(String[] args) throws Exception {
    int objects = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int patches = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int rate = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    int runs = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    Path src = Path.of(System.getenv("CLUSTERPEDIA_SRC"));
    Path bin = Path.of(System.getenv("CLUSTERPEDIA_BIN"));
    String ns = "cp-" + UUID.randomUUID().toString().substring(0, 6);
    Path dir = Files.createTempDirectory("kb-cp");
    try (KubernetesClient member = ClusterClients.connect(ClusterSpec.fromKubeconfig("c1",
             TestServers.kubeconfig(1).toString(), null));
         KubernetesClient host = ClusterClients.connect(ClusterSpec.fromKubeconfig("c2",
             TestServers.kubeconfig(2).toString(), null))) {
      member.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
      MirrorBench.createConfigMaps(member, ns, objects);
      System.out.printf("%d ConfigMaps of about 2 KB in namespace %s of cluster-1%n", objects, ns);
      installClusterpedia(host, src);
      List<String> lines = new ArrayList<>();
      for (int run = 1; run <= runs; run++) {
        for (String tool : List.of("kube-backend", "clusterpedia")) {
          String url = TestDatabases.freshUrl(Dialect.POSTGRESQL);
          Result r = tool.equals("kube-backend") ? kubeBackend(dir, url, member, ns, objects, patches, rate)
              : clusterpedia(dir, bin, host, url, member, ns, objects, patches, rate, run);
          String line = String.format("run %d %-12s synced %.1f s after start (%.0f objects/s), CPU start->synced"
              + " %.1f s, RSS %d MiB; %d patches at %d/s, right after the sync: %s; the same again: %s", run, tool,
              r.syncSeconds, objects / r.syncSeconds, r.syncCpu, r.rssMiB, patches, rate, r.first, r.again);
          System.out.println(line);
          lines.add(line);
          TestDatabases.drop(url);
        }
      }
      System.out.println("--- summary, same run ---");
      lines.forEach(System.out::println);
    } finally {
      try (KubernetesClient member = ClusterClients.connect(ClusterSpec.fromKubeconfig("c1",
          TestServers.kubeconfig(1).toString(), null))) {
        member.namespaces().withName(ns).delete();
      }
    }
    System.exit(0);
  }

  private record Result(double syncSeconds, double syncCpu, long rssMiB, Patches first, Patches again) {}

  /** One round of patches: the process's CPU over it and patch sent -> row committed. */
  private record Patches(double cpu, double seconds, double p50, double p99, int seen) {
    @Override
    public String toString() {
      return String.format("CPU %.2f s over %.1f s, patch -> row p50 %.1f ms, p99 %.1f ms (%d rows seen)", cpu,
          seconds, p50, p99, seen);
    }
  }

  private static Result kubeBackend(Path dir, String url, KubernetesClient member, String ns, int objects,
                                    int patches, int rate) throws Exception {
    Path config = dir.resolve("kb-" + UUID.randomUUID() + ".yaml");
    Files.writeString(config, String.join("\n",
        "http: {host: 127.0.0.1, port: 0, tlsPort: -1}",
        "database: {url: '" + url + "'}",
        "clusters:",
        "  - {id: c1, kubeconfig: '" + TestServers.kubeconfig(1) + "', include: [configmaps]}",
        "security: {credentialKey: '" + Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32)) + "'}",
        "auth: {adminPassword: '" + RunningBackend.ADMIN_PASSWORD + "', bcryptCost: 4}", ""), StandardCharsets.UTF_8);
    long t0 = System.nanoTime();
    try (BackendProcess p = BackendProcess.start(List.of("-Xmx1g"), config, "cp-bench-kb")) {
      return measure(p.pid(), t0, url, "objects", "namespace = '" + ns + "'", member, ns, objects, patches, rate);
    }
  }

  private static Result clusterpedia(Path dir, Path bin, KubernetesClient host, String url, KubernetesClient member,
                                     String ns, int objects, int patches, int rate, int run) throws Exception {
    URI jdbc = URI.create(url.substring("jdbc:".length()));
    Map<String, String> q = query(jdbc.getQuery());
    Path storage = dir.resolve("cp-storage-" + run + ".yaml");
    Files.writeString(storage, String.join("\n", "type: postgres", "host: " + jdbc.getHost(),
        "port: " + jdbc.getPort(), "user: " + q.get("user"), "database: " + jdbc.getPath().substring(1),
        "sslMode: disable", ""), StandardCharsets.UTF_8);
    String name = "bench-" + run;
    GenericKubernetesResource pc = new GenericKubernetesResource();
    pc.setApiVersion("cluster.clusterpedia.io/v1alpha2");
    pc.setKind("PediaCluster");
    pc.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).build());
    pc.setAdditionalProperty("spec", Map.of("kubeconfig", Base64.getEncoder().encodeToString(
            Files.readAllBytes(TestServers.kubeconfig(1))),
        "syncResources", List.of(Map.of("group", "", "resources", List.of("configmaps")))));
    var pediaClusters = host.genericKubernetesResources(new ResourceDefinitionContext.Builder()
        .withGroup("cluster.clusterpedia.io").withVersion("v1alpha2").withPlural("pediaclusters")
        .withKind("PediaCluster").withNamespaced(false).build());
    pediaClusters.resource(pc).create();
    ProcessBuilder pb = new ProcessBuilder(bin.toString(), "--kubeconfig", TestServers.kubeconfig(2).toString(),
        "--storage-config", storage.toString(), "--leader-elect=false",
        "--feature-gates=PruneManagedFields=true,PruneLastAppliedConfiguration=true")
        .redirectErrorStream(true).redirectOutput(dir.resolve("clustersynchro-" + run + ".log").toFile());
    pb.environment().put("DB_PASSWORD", q.getOrDefault("password", ""));
    long t0 = System.nanoTime();
    Process p = pb.start();
    try {
      return measure(p.pid(), t0, url, "resources", "namespace = '" + ns + "' AND resource = 'configmaps'", member,
          ns, objects, patches, rate);
    } finally {
      p.destroy();
      p.waitFor();
      pediaClusters.withName(name).delete();
    }
  }

  /** Waits for the sync, then patches and times each patch to its row through a trigger on {@code table}. */
  private static Result measure(long pid, long t0, String url, String table, String where, KubernetesClient member,
                                String ns, int objects, int patches, int rate) throws Exception {
    try (Connection c = DriverManager.getConnection(url)) {
      while (count(c, table, where) < objects) {
        Thread.sleep(100);
      }
      double syncSeconds = (System.nanoTime() - t0) / 1e9;
      double syncCpu = BackendProcess.cpuSeconds(pid);
      long rss = rssMiB(pid);
      Thread.sleep(10_000); // settle
      try (Statement s = c.createStatement()) {
        s.execute("CREATE OR REPLACE FUNCTION bench_committed() RETURNS trigger AS $$ BEGIN"
            + " PERFORM pg_notify('bench_committed', NEW.name); RETURN NEW; END $$ LANGUAGE plpgsql");
        s.execute("CREATE TRIGGER bench_committed AFTER UPDATE ON " + table + " FOR EACH ROW WHEN (NEW." + where
            .replace(" AND ", " AND NEW.") + ") EXECUTE FUNCTION bench_committed()");
        s.execute("LISTEN bench_committed");
      }
      // Twice: right after the sync (the JIT still at work on a JVM), and again once the patch path has run.
      Patches first = patchRound(pid, c, member, ns, patches, rate);
      Patches again = patchRound(pid, c, member, ns, patches, rate);
      return new Result(syncSeconds, syncCpu, rss, first, again);
    }
  }

  /** Patches cm-0 .. cm-(patches-1) at {@code rate}/s, timing each to its row's commit notification. */
  private static Patches patchRound(long pid, Connection c, KubernetesClient member, String ns, int patches,
                                    int rate) throws Exception {
    Map<String, Long> sent = new java.util.concurrent.ConcurrentHashMap<>();
    List<Long> latencies = new ArrayList<>();
    double cpu0 = BackendProcess.cpuSeconds(pid);
    long b0 = System.nanoTime();
    long period = 1_000_000_000L / rate;
    PGConnection pg = c.unwrap(PGConnection.class);
    Thread patcher = Thread.ofVirtual().start(() -> {
      for (int i = 0; i < patches; i++) {
        long wait = b0 + i * period - System.nanoTime();
        try {
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
        } catch (InterruptedException e) {
          return;
        }
        String name = "cm-" + i;
        sent.put(name, System.nanoTime());
        member.configMaps().inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
            "{\"data\":{\"n\":\"" + System.nanoTime() + "\"}}");
      }
    });
    long deadline = b0 + (long) (patches / (double) rate * 1e9) + 30_000_000_000L;
    while (latencies.size() < patches && System.nanoTime() < deadline) {
      PGNotification[] notes = pg.getNotifications(500);
      long now = System.nanoTime();
      if (notes != null) {
        for (PGNotification n : notes) {
          Long at = sent.remove(n.getParameter());
          if (at != null) {
            latencies.add(now - at);
          }
        }
      }
    }
    patcher.join();
    Thread.sleep(2_000); // what each change sets off after its row is counted too
    double patchCpu = BackendProcess.cpuSeconds(pid) - cpu0;
    double patchSeconds = (System.nanoTime() - b0) / 1e9;
    long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    return new Patches(patchCpu, patchSeconds, pct(sorted, 50), pct(sorted, 99), sorted.length);
  }

  private static double pct(long[] sorted, int p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1));
    return sorted[i] / 1e6;
  }

  private static long count(Connection c, String table, String where) {
    try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE " + where);
         ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (java.sql.SQLException e) {
      return 0; // the tool has not made its table yet
    }
  }

  private static long rssMiB(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }

  private static Map<String, String> query(String query) {
    Map<String, String> out = new HashMap<>();
    for (String kv : query.split("&")) {
      int eq = kv.indexOf('=');
      out.put(kv.substring(0, eq), java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  private static void installClusterpedia(KubernetesClient host, Path src) throws Exception {
    try (Stream<Path> crds = Files.list(src.resolve("kustomize/crds"))) {
      for (Path crd : crds.filter(f -> f.getFileName().toString().startsWith("cluster.")).toList()) {
        try (InputStream in = Files.newInputStream(crd)) {
          host.load(in).serverSideApply();
        }
      }
    }
    Thread.sleep(3_000); // the CRDs established
  }
}
