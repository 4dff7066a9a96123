package io.kubebackend.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.BackendProcess;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Where kube-backend's CPU goes when little happens (a command, not a test: {@code scripts/bench-idle.sh [seconds]
 * [patches] [per second] [--jfr] [--postgresql]}); prints numbers and asserts nothing. A kube-backend process on
 * SQLite (or on PostgreSQL, with its replica leases) mirrors both local clusters (every resource). Once synced and settled, its CPU (user + system, from /proc) is read over S
 * seconds of no changes, then while P ConfigMap patches arrive at R per second; the CPU per event is what the patches
 * cost beyond the idle rate. The same patches run once before, unmeasured, so the JIT has compiled their path. With
 * {@code --jfr} the process records a flight recording (profile settings) into {@code target/idle-cpu.jfr}, for
 * {@code jfr view hot-methods}. The CPU is also given by thread (pool), JVM threads
 * included: where a sampling profiler sees only Java frames, this shows the GC, the JIT and native code too.
 */
public final class IdleCpuBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private IdleCpuBench() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 120;
    int patches = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int rate = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    boolean jfr = List.of(args).contains("--jfr");
    boolean postgresql = List.of(args).contains("--postgresql");
    Path dir = Files.createTempDirectory("kb-idle");
    Path config = dir.resolve("kube-backend.yaml");
    // PostgreSQL: a database of its own on the test server; kube-backend then also keeps its replica leases.
    String url = postgresql ? TestDatabases.freshUrl(Dialect.POSTGRESQL) : "jdbc:sqlite:" + dir.resolve("kb.db");
    System.out.println("database: " + (postgresql ? "PostgreSQL" : "SQLite"));
    Files.writeString(config, String.join("\n",
        "http: {host: 127.0.0.1, port: 0, tlsPort: -1}",
        "database: {url: '" + url + "'}",
        "clusters:",
        "  - {id: c1, kubeconfig: '" + TestServers.kubeconfig(1) + "'}",
        "  - {id: c2, kubeconfig: '" + TestServers.kubeconfig(2) + "'}",
        "security: {credentialKey: '" + Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32)) + "'}",
        "auth: {adminPassword: '" + RunningBackend.ADMIN_PASSWORD + "', bcryptCost: 4}", ""), StandardCharsets.UTF_8);
    List<String> jvm = new ArrayList<>();
    if (jfr) {
      jvm.add("-XX:StartFlightRecording=filename=" + TestServers.repo().resolve("target/idle-cpu.jfr")
          + ",settings=profile");
    }
    String ns = "idle-" + UUID.randomUUID().toString().substring(0, 6);
    try (BackendProcess backend = BackendProcess.start(jvm, config, "idle-cpu");
         KubernetesClient kube = ClusterClients.connect(ClusterSpec.fromKubeconfig("c1",
             TestServers.kubeconfig(1).toString(), null))) {
      int port = backend.awaitPort(120_000);
      String token = RunningBackend.login(port, "admin", RunningBackend.ADMIN_PASSWORD);
      long t0 = System.nanoTime();
      while (!synced(port, token)) {
        Thread.sleep(500);
      }
      System.out.printf("both clusters synced %.1f s after the start; CPU so far %.1f s%n",
          (System.nanoTime() - t0) / 1e9, backend.cpuSeconds());
      kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
      kube.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("ticker")
          .endMetadata().withData(Map.of("n", "0")).build()).create();
      // Warm-up, not measured: the same patches once, so that the JIT has compiled the event path (measured
      // cold, the compiler threads took a third of the CPU per event), then a settle.
      patch(kube, ns, 1, patches, rate);
      Thread.sleep(20_000); // settle: the JIT, the first status writes, the namespace's own events

      Map<String, Double> idleThreads0 = backend.cpuSecondsByThread();
      double idle0 = backend.cpuSeconds();
      long i0 = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      double idleCpu = backend.cpuSeconds() - idle0;
      double idleSeconds = (System.nanoTime() - i0) / 1e9;
      double idlePerSecond = idleCpu / idleSeconds;
      Map<String, Double> idleThreads = minus(backend.cpuSecondsByThread(), idleThreads0);

      Map<String, Double> busyThreads0 = backend.cpuSecondsByThread();
      double busy0 = backend.cpuSeconds();
      long b0 = System.nanoTime();
      patch(kube, ns, patches + 1, patches, rate);
      while (!stored(port, token, ns, String.valueOf(2 * patches))) {
        Thread.sleep(200); // not faster: each look is work for the process being measured
      }
      Thread.sleep(2_000); // what each event sets off after its row (stream reads, status) is counted too
      double busyCpu = backend.cpuSeconds() - busy0;
      Map<String, Double> busyThreads = minus(backend.cpuSecondsByThread(), busyThreads0);
      double busySeconds = (System.nanoTime() - b0) / 1e9;
      double perEventMs = (busyCpu - idlePerSecond * busySeconds) * 1000 / patches;
      System.out.printf("idle, %.0f s of no changes over 2 clusters: %.2f CPU s (%.1f ms/s, %.0f CPU s per hour)%n",
          idleSeconds, idleCpu, idlePerSecond * 1000, idlePerSecond * 3600);
      System.out.printf("%d patches at %d/s: %.2f CPU s over %.1f s; beyond the idle rate %.2f ms CPU per event%n",
          patches, rate, busyCpu, busySeconds, perEventMs);
      System.out.println("by thread (from /proc; threads that ended are missing), idle ms/s and ms per event beyond"
          + " it:");
      double scale = busySeconds / idleSeconds;
      busyThreads.entrySet().stream()
          .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
          .filter(e -> e.getValue() > 0)
          .forEach(e -> {
            double idle = idleThreads.getOrDefault(e.getKey(), 0.0);
            System.out.printf("  %-16s %6.2f ms/s %6.2f ms/event%n", e.getKey(), idle * 1000 / idleSeconds,
                (e.getValue() - idle * scale) * 1000 / patches);
          });
      double attributed = busyThreads.values().stream().mapToDouble(Double::doubleValue).sum();
      System.out.printf("  %-16s %6s      %6.2f ms/event (CPU of threads that ended meanwhile, and the idle share)%n",
          "(not by thread)", "", (busyCpu - attributed) * 1000 / patches);
      if (jfr) {
        System.out.println("flight recording: " + TestServers.repo().resolve("target/idle-cpu.jfr")
            + " (written when the process stops)");
      }
    } finally {
      try (KubernetesClient kube = ClusterClients.connect(ClusterSpec.fromKubeconfig("c1",
          TestServers.kubeconfig(1).toString(), null))) {
        kube.namespaces().withName(ns).delete();
      }
    }
    System.exit(0);
  }

  /** Patches the ticker ConfigMap to {@code first}, {@code first + 1}, ... ({@code count} times) at {@code rate}/s. */
  private static void patch(KubernetesClient kube, String ns, int first, int count, int rate)
      throws InterruptedException {
    long t0 = System.nanoTime();
    long pause = 1_000_000_000L / rate;
    for (int i = 0; i < count; i++) {
      kube.configMaps().inNamespace(ns).withName("ticker").patch(PatchContext.of(PatchType.JSON_MERGE),
          "{\"data\":{\"n\":\"" + (first + i) + "\"}}");
      long wait = t0 + (i + 1) * pause - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
    }
  }

  /** CPU seconds by thread name between two readings. */
  private static Map<String, Double> minus(Map<String, Double> after, Map<String, Double> before) {
    Map<String, Double> out = new TreeMap<>();
    after.forEach((name, cpu) -> out.put(name, cpu - before.getOrDefault(name, 0.0)));
    return out;
  }

  private static boolean synced(int port, String token) throws Exception {
    HttpResponse<String> r = get(port, "/api/v1/clusters", token);
    if (r.statusCode() != 200) {
      return false;
    }
    JsonNode clusters = JSON.readTree(r.body());
    if (clusters.size() != 2) {
      return false;
    }
    for (JsonNode c : clusters) {
      if (!"synced".equals(c.path("state").asText())) {
        return false;
      }
    }
    return true;
  }

  private static boolean stored(int port, String token, String ns, String value) throws Exception {
    HttpResponse<String> r = get(port, "/api/v1/clusters/c1/api/v1/namespaces/" + ns + "/configmaps/ticker", token);
    return r.statusCode() == 200 && value.equals(JSON.readTree(r.body()).path("data").path("n").asText());
  }

  private static HttpResponse<String> get(int port, String path, String token) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
  }
}
