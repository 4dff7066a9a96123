package io.kubebackend.api.kube;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.BenchCluster;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Benchmark of the Kubernetes API of the mirror (a command, not a test; {@code scripts/bench-kube.sh [pods]
 * [watchers] [changes/s] [seconds]}). kube-backend runs as its own process (the shaded jar) on a fresh PostgreSQL
 * database, so that its heap is its own. Prints, each beside its baseline from the same run:
 *
 * <ul>
 *   <li>{@code kubectl get pods -A -o name} over N Pods (default 50,000) through the mirror and against the
 *       apiserver, interleaved;</li>
 *   <li>watch fan-out: the heap of kube-backend with no watchers and with W idle watchers (default 1,000);
 *       apiserver write → event at a watcher, p50/p99, at R changes/s (default 200) with 1 watcher and with W; and
 *       kube-backend's outbox reads per second in both, to show that one reader serves every watcher; and the same
 *       write → event latency for one watch on the apiserver itself.</li>
 * </ul>
 * Asserts nothing about timings. Deletes its namespaces and database after.
 */
public final class KubeApiBench {
  private static final HttpClient HTTP = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor())
      .build();
  private static final String SENT = "bench/sent-ns";
  private static final int CONFIG_MAPS = 50;

  private KubeApiBench() {}

  public static void main(String[] args) throws Exception {
    int pods = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int watchers = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
    int rate = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 30;
    String ns = "kbench-" + UUID.randomUUID().toString().substring(0, 6);
    String dbUrl = TestDatabases.freshUrl(Dialect.POSTGRESQL);
    ClusterSpec c1 = ClusterSpec.fromKubeconfig("cluster-1", TestServers.kubeconfig(1).toString(), null);
    try (BenchCluster bench = BenchCluster.start();
         KubernetesClient pods4 = ClusterClients.connect(ClusterSpec.fromKubeconfig("bench",
             bench.kubeconfig().toString(), null));
         KubernetesClient direct = ClusterClients.connect(c1)) {
      try {
        BenchCluster.createPods(pods4, ns, pods);
        direct.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .create();
        for (int i = 0; i < CONFIG_MAPS; i++) {
          direct.configMaps().inNamespace(ns).resource(configMap(i)).create();
        }
        try (BackendProcess kb = BackendProcess.start(dbUrl, bench.kubeconfig(), TestServers.kubeconfig(1))) {
          long t0 = System.nanoTime();
          kb.awaitCount("bench", "pods", ns, pods);
          System.out.printf("kube-backend mirrored %d pods in %.0f s%n", pods, (System.nanoTime() - t0) / 1e9);
          kubectlGet(kb, bench.kubeconfig());
          fanOut(kb, direct, ns, watchers, rate, seconds);
        }
      } finally {
        BenchCluster.deleteNamespace(pods4, ns);
        BenchCluster.deleteNamespace(direct, ns);
        TestDatabases.drop(dbUrl);
      }
    }
  }

  private static io.fabric8.kubernetes.api.model.ConfigMap configMap(int i) {
    return new ConfigMapBuilder().withNewMetadata().withName("cm-" + i).addToAnnotations(SENT, "0").endMetadata()
        .addToData("k", "v").build();
  }

  /** {@code kubectl get pods -A -o name} (and the default table) through the mirror and directly, interleaved. */
  private static void kubectlGet(BackendProcess kb, Path directKubeconfig) throws Exception {
    Path mirrorKubeconfig = Files.createTempFile("kb-bench", ".kubeconfig");
    Files.writeString(mirrorKubeconfig, kb.get("/api/v1/kubeconfig"));
    Path cache = Files.createTempDirectory("kb-bench-kubectl");
    int rounds = 5;
    String[][] cases = {
        {"kubectl get pods -A -o name, through the mirror", mirrorKubeconfig.toString(), "bench", "-o", "name"},
        {"kubectl get pods -A -o name, the apiserver directly", directKubeconfig.toString(), null, "-o", "name"},
        {"kubectl get pods -A (table), through the mirror", mirrorKubeconfig.toString(), "bench", null, null},
        {"kubectl get pods -A (table), the apiserver directly", directKubeconfig.toString(), null, null, null}};
    long[][] ms = new long[cases.length][rounds];
    long[] lines = new long[cases.length];
    for (int r = -1; r < rounds; r++) {
      for (int c = 0; c < cases.length; c++) {
        List<String> cmd = new ArrayList<>(List.of(TestServers.kubectl().toString(), "--kubeconfig", cases[c][1],
            "--cache-dir", cache.toString(), "get", "pods", "-A", "--request-timeout", "300s"));
        if (cases[c][2] != null) {
          cmd.addAll(List.of("--context", cases[c][2]));
        }
        if (cases[c][3] != null) {
          cmd.addAll(List.of(cases[c][3], cases[c][4]));
        }
        Path out = Files.createTempFile("kubectl", ".out");
        long s = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
        if (p.waitFor() != 0) {
          throw new IllegalStateException(String.join(" ", cmd) + " failed");
        }
        long took = (System.nanoTime() - s) / 1_000_000;
        try (var l = Files.lines(out)) {
          lines[c] = l.count();
        }
        Files.delete(out);
        if (r >= 0) {
          ms[c][r] = took;
        }
      }
    }
    System.out.printf("%n%d rounds after one warm-up, interleaved:%n", rounds);
    for (int c = 0; c < cases.length; c++) {
      long[] v = ms[c].clone();
      Arrays.sort(v);
      System.out.printf("  %-55s median %6d ms  (min %d, max %d; %d lines)%n", cases[c][0], v[rounds / 2], v[0],
          v[rounds - 1], lines[c]);
    }
  }

  /** Latencies in 1 ms buckets up to 60 s. */
  private static final class Latencies {
    final AtomicLongArray buckets = new AtomicLongArray(60_001);
    final AtomicLong count = new AtomicLong();

    void add(long nanos) {
      buckets.incrementAndGet((int) Math.min(60_000, Math.max(0, nanos / 1_000_000)));
      count.incrementAndGet();
    }

    long percentile(double p) {
      long want = (long) Math.ceil(count.get() * p);
      long seen = 0;
      for (int i = 0; i < buckets.length(); i++) {
        seen += buckets.get(i);
        if (seen >= want && want > 0) {
          return i;
        }
      }
      return -1;
    }

    String summary() {
      return String.format("p50 %3d ms  p99 %4d ms  (%d events)", percentile(0.5), percentile(0.99), count.get());
    }
  }

  private static void fanOut(BackendProcess kb, KubernetesClient direct, String ns, int watchers, int rate,
                             int seconds) throws Exception {
    String path = "/api/v1/clusters/cluster-1/api/v1/namespaces/" + ns + "/configmaps";
    kb.gc();
    long heapBefore = kb.heapUsed();
    // Baseline: one watcher on the mirror and one on the apiserver, under the same load.
    Latencies one = new Latencies();
    Latencies apiserver = new Latencies();
    List<InputStream> open = new ArrayList<>();
    open.add(kb.watch(path, one));
    io.fabric8.kubernetes.client.Watch directWatch = direct.configMaps().inNamespace(ns).watch(
        new io.fabric8.kubernetes.client.Watcher<>() {
          @Override
          public void eventReceived(Action action, io.fabric8.kubernetes.api.model.ConfigMap cm) {
            long now = System.nanoTime();
            long sent = Long.parseLong(cm.getMetadata().getAnnotations().getOrDefault(SENT, "0"));
            if (action == Action.MODIFIED && sent > 0) {
              apiserver.add(now - sent);
            }
          }

          @Override
          public void onClose(io.fabric8.kubernetes.client.WatcherException e) {}
        });
    Thread.sleep(2000);
    double[] reads1 = load(kb, direct, ns, rate, seconds);
    System.out.printf("%nwatch fan-out at %d changes/s for %d s:%n", rate, seconds);
    System.out.printf("  1 watcher on the apiserver itself:            %s%n", apiserver.summary());
    System.out.printf("  1 watcher on the mirror:                      %s; outbox reads %.1f/s%n", one.summary(),
        reads1[0]);
    Latencies many = new Latencies();
    for (int i = 0; i < watchers; i++) {
      open.add(kb.watch(path, many));
    }
    kb.awaitMetric("kb_kube_watches_open", watchers + 1);
    Thread.sleep(2000);
    kb.gc();
    long heapWith = kb.heapUsed();
    double[] readsN = load(kb, direct, ns, rate, seconds);
    System.out.printf("  %d watchers on the mirror:                  %s; outbox reads %.1f/s%n", watchers,
        many.summary(), readsN[0]);
    System.out.printf("  kube-backend heap after GC: %.1f MB without watchers, %.1f MB with %d (+%.1f MB, %.1f KB"
            + " each)%n", heapBefore / 1e6, heapWith / 1e6, watchers + 1, (heapWith - heapBefore) / 1e6,
        (heapWith - heapBefore) / 1e3 / (watchers + 1));
    for (InputStream in : open) {
      in.close();
    }
    directWatch.close();
  }

  /** Updates the config maps at {@code rate} per second for {@code seconds}; returns outbox reads per second. */
  private static double[] load(BackendProcess kb, KubernetesClient direct, String ns, int rate, int seconds)
      throws Exception {
    double readsBefore = kb.metric("kb_events_stream_reads_total");
    // At most 32 writes in flight, as a client with a connection pool has (the apiserver's HTTP/2 stream limit).
    java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(32);
    long start = System.nanoTime();
    long intervalNs = 1_000_000_000L / rate;
    int total = rate * seconds;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < total; i++) {
        long due = start + i * intervalNs;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        int n = i;
        inFlight.acquire();
        pool.submit(() -> {
          try {
            direct.configMaps().inNamespace(ns).withName("cm-" + (n % CONFIG_MAPS)).edit(cm -> {
              cm.getMetadata().getAnnotations().put(SENT, Long.toString(System.nanoTime()));
              return cm;
            });
          } catch (RuntimeException e) {
            System.err.println("update failed: " + e.getMessage());
          } finally {
            inFlight.release();
          }
        });
      }
    }
    Thread.sleep(3000); // let the last events arrive
    double took = (System.nanoTime() - start) / 1e9;
    return new double[] {(kb.metric("kb_events_stream_reads_total") - readsBefore) / took};
  }

  /**
   * Reads a watch stream on a virtual thread; for each event, records now minus the send time in its annotation.
   * The edit's send time is taken just before the edit's PUT (after its GET), so the latency includes the
   * apiserver's write.
   */
  static InputStream watch(HttpRequest.Builder request, Latencies into, HttpClient client) throws Exception {
    HttpResponse<InputStream> r = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("watch " + r.uri() + " -> " + r.statusCode());
    }
    InputStream in = r.body();
    Thread.ofVirtual().start(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        String key = "\"" + SENT + "\":\"";
        while ((line = lines.readLine()) != null) {
          long now = System.nanoTime();
          int at = line.indexOf(key);
          if (at >= 0 && line.startsWith("{\"type\":\"MODIFIED\"")) {
            long sent = Long.parseLong(line.substring(at + key.length(), line.indexOf('"', at + key.length())));
            if (sent > 0) {
              into.add(now - sent);
            }
          }
        }
      } catch (Exception closed) {
        // the benchmark closed the stream
      }
    });
    return in;
  }

  /** kube-backend as its own process, from the shaded jar. */
  private static final class BackendProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final String token;

    private BackendProcess(Process process, int port, String token) {
      this.process = process;
      this.port = port;
      this.token = token;
    }

    static BackendProcess start(String dbUrl, Path benchKubeconfig, Path cluster1Kubeconfig) throws Exception {
      Path dir = Files.createTempDirectory("kb-bench");
      int port;
      try (var s = new java.net.ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Files.writeString(dir.resolve("config.yaml"), String.join("\n",
          "http: {host: 127.0.0.1, port: " + port + ", tlsPort: " + (port + 1) + "}",
          "database: {url: \"" + dbUrl + "\"}",
          "security: {credentialKeyFile: \"" + dir.resolve("credential.key") + "\"}",
          "clusters:",
          "  - {id: bench, kubeconfig: \"" + benchKubeconfig + "\", include: [pods]}",
          "  - {id: cluster-1, kubeconfig: \"" + cluster1Kubeconfig + "\", include: [configmaps]}", ""));
      ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx2g", "-XX:+UseG1GC", "-jar", TestServers.repo().resolve("target/kube-backend.jar").toString(), "serve",
          "--config", dir.resolve("config.yaml").toString());
      pb.environment().put("KB_ADMIN_PASSWORD", RunningBackend.ADMIN_PASSWORD);
      pb.redirectErrorStream(true).redirectOutput(dir.resolve("kube-backend.log").toFile());
      Process p = pb.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        try {
          HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
              + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200) {
            break;
          }
        } catch (java.io.IOException notYet) {
          if (!p.isAlive() || System.nanoTime() > deadline) {
            throw new IllegalStateException("kube-backend did not start; see " + dir.resolve("kube-backend.log"));
          }
          Thread.sleep(200);
        }
      }
      System.out.println("kube-backend pid " + p.pid() + " on port " + port + ", log " + dir.resolve("kube-backend.log"));
      return new BackendProcess(p, port, RunningBackend.login(port, "admin", RunningBackend.ADMIN_PASSWORD));
    }

    String get(String path) throws Exception {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .header("authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(path + " -> " + r.statusCode() + " " + r.body());
      }
      return r.body();
    }

    InputStream watch(String path, Latencies into) throws Exception {
      String rv = new com.fasterxml.jackson.databind.ObjectMapper().readTree(get(path + "?limit=1")).path("metadata")
          .path("resourceVersion").asText();
      return KubeApiBench.watch(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path
          + "?watch=true&resourceVersion=" + rv)).header("authorization", "Bearer " + token), into, HTTP);
    }

    void awaitCount(String cluster, String resource, String ns, int n) throws Exception {
      String url = "/api/v1/aggregate?cluster=" + cluster + "&resource=" + resource + "&namespace=" + ns
          + "&groupBy=cluster";
      while (true) {
        long count = 0;
        for (var g : new com.fasterxml.jackson.databind.ObjectMapper().readTree(get(url)).path("groups")) {
          count += g.path("count").asLong();
        }
        if (count >= n) {
          return;
        }
        Thread.sleep(1000);
      }
    }

    /** The sum of the series whose scrape line starts with this (a name, or a name and its first labels). */
    double metric(String prefix) throws Exception {
      double sum = 0;
      for (String line : get("/metrics").split("\n")) {
        if (line.startsWith(prefix + " ") || line.startsWith(prefix + "{") || line.startsWith(prefix + ",")) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return sum;
    }

    void awaitMetric(String series, double atLeast) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (metric(series) < atLeast) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(series + " stayed below " + atLeast + ": " + metric(series));
        }
        Thread.sleep(200);
      }
    }

    /** A full GC in kube-backend (jcmd), so that heap figures are live data. */
    void gc() throws Exception {
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          Long.toString(process.pid()), "GC.run").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      p.waitFor();
      Thread.sleep(500);
    }

    long heapUsed() throws Exception {
      return (long) metric("jvm_memory_used_bytes{area=\"heap\"");
    }

    @Override
    public void close() throws Exception {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
