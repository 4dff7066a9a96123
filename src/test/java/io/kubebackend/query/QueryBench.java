package io.kubebackend.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.KubeBackend;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.BenchCluster;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Benchmark (a command, not a test; run by {@code scripts/bench-query.sh [pods] [iterations]}): creates N Pods
 * (they stay Pending) in a namespace of a cluster of its own (cluster-4, started if needed and stopped again if it
 * was started here), mirrors them and cluster-1's pods into a fresh PostgreSQL database, and prints p50/p99 of
 *
 * <ul>
 *   <li>a label-selector list of 1% of the pods from kube-backend (HTTP, from the database) and the same list from
 *       kube-apiserver directly, interleaved so that both see the same machine load;</li>
 *   <li>the same selector across every cluster and namespace from kube-backend;</li>
 *   <li>a cross-cluster aggregation: pods per cluster and status.phase.</li>
 * </ul>
 *
 * <p>Prints numbers only; asserts nothing about timings. Deletes the pods, the namespace and the database after.
 */
public final class QueryBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  private QueryBench() {}

  public static void main(String[] args) throws Exception {
    int pods = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    try (BenchCluster cluster = BenchCluster.start()) {
      ClusterSpec benchSpec = new ClusterSpec("bench", cluster.kubeconfig().toString(), null, null, null, null, null,
          List.of("pods"), List.of(), false, false);
      ClusterSpec otherSpec = new ClusterSpec("cluster-1", TestServers.kubeconfig(1).toString(), null, null, null,
          null, null, List.of("pods"), List.of(), false, false);
      String ns = "qbench-" + UUID.randomUUID().toString().substring(0, 6);
      String dbUrl = TestDatabases.freshUrl(Dialect.POSTGRESQL);
      try (KubernetesClient client = ClusterClients.connect(benchSpec);
           KubernetesClient other = ClusterClients.connect(otherSpec)) {
        try {
          BenchCluster.createPods(client, ns, pods);
          // A second cluster for the aggregation.
          BenchCluster.createPods(other, ns, Math.min(500, Math.max(1, pods / 100)));
          run(benchSpec, otherSpec, client, dbUrl, ns, pods, iterations);
        } finally {
          for (KubernetesClient c : List.of(client, other)) {
            BenchCluster.deleteNamespace(c, ns);
          }
          TestDatabases.drop(dbUrl);
        }
      }
    }
  }

  private static void run(ClusterSpec benchSpec, ClusterSpec otherSpec, KubernetesClient client, String dbUrl,
                          String ns, int pods, int iterations) throws Exception {
    BackendConfig config = BackendConfig.defaults().withHttp(new BackendConfig.Http("127.0.0.1", 0))
        .withDatabase(new BackendConfig.DatabaseConfig(dbUrl, null, null))
        .withAuth(io.kubebackend.testing.RunningBackend.testAuth())
        .withSecurity(io.kubebackend.testing.RunningBackend.testSecurity())
        .withMoreClusters(List.of(benchSpec, otherSpec));
    long t0 = System.nanoTime();
    try (KubeBackend backend = KubeBackend.start(config)) {
      String base = "http://127.0.0.1:" + backend.port();
      token = io.kubebackend.testing.RunningBackend.login(backend.port(), "admin",
          io.kubebackend.testing.RunningBackend.ADMIN_PASSWORD);
      HttpClient http = HttpClient.newHttpClient();
      int live = client.pods().inNamespace(ns).list().getItems().size();
      while (count(http, base + "/api/v1/aggregate?cluster=bench&namespace=" + ns + "&groupBy=cluster") < live) {
        Thread.sleep(500);
      }
      System.out.printf("mirrored %d pods into PostgreSQL in %.1f s%n", live, (System.nanoTime() - t0) / 1e9);
      explain(backend, ns);

      String selector = "app=bench-7";
      String enc = URLEncoder.encode(selector, StandardCharsets.UTF_8);
      String fromDb = base + "/api/v1/query?cluster=bench&group=&resource=pods&namespace=" + ns + "&labelSelector="
          + enc + "&limit=10000";
      String apiPath = "/api/v1/namespaces/" + ns + "/pods?labelSelector=" + enc;
      String crossCluster = base + "/api/v1/query?resource=pods&labelSelector=" + enc + "&limit=10000";
      String aggregate = base + "/api/v1/aggregate?resource=pods&groupBy=cluster,path:status.phase";
      System.out.printf("label selector %s: %d pods from the database, %d from kube-apiserver%n", selector,
          JSON.readTree(get(http, fromDb)).path("items").size(),
          JSON.readTree(client.raw(apiPath)).path("items").size());
      System.out.println("aggregation: " + JSON.readTree(get(http, aggregate)).path("groups"));

      Map<String, Supplier<String>> cases = new java.util.LinkedHashMap<>();
      cases.put("label-selector list, kube-backend (database)", () -> get(http, fromDb));
      cases.put("label-selector list, kube-apiserver directly", () -> client.raw(apiPath));
      cases.put("same selector, all clusters and namespaces, kube-backend", () -> get(http, crossCluster));
      cases.put("aggregation pods per cluster and status.phase, kube-backend", () -> get(http, aggregate));
      Map<String, long[]> nanos = new java.util.LinkedHashMap<>();
      cases.keySet().forEach(k -> nanos.put(k, new long[iterations]));
      for (int i = -20; i < iterations; i++) { // 20 rounds of warm-up, then measured rounds, cases interleaved
        for (var c : cases.entrySet()) {
          long s = System.nanoTime();
          if (c.getValue().get() == null) {
            throw new IllegalStateException(c.getKey() + " returned nothing");
          }
          if (i >= 0) {
            nanos.get(c.getKey())[i] = System.nanoTime() - s;
          }
        }
      }
      System.out.printf("%n%d pods mirrored in cluster 'bench' (+ cluster-1), %d rounds:%n", pods, iterations);
      for (var e : nanos.entrySet()) {
        long[] v = e.getValue();
        Arrays.sort(v);
        System.out.printf("  %-62s p50 %6.1f ms   p99 %6.1f ms%n", e.getKey(), v[v.length / 2] / 1e6,
            v[(int) Math.ceil(v.length * 0.99) - 1] / 1e6);
      }
    }
  }

  /** The PostgreSQL plan of the label-selector page, to see which index answers it. */
  private static void explain(KubeBackend backend, String ns) throws Exception {
    ObjectQuery q = new QueryParser(new QueryCatalog() {
      @Override
      public java.util.Collection<String> clusters() {
        return List.of("bench");
      }

      @Override
      public List<io.kubebackend.cluster.ResourceType> resources(String cluster) {
        return List.of(QueryParams.PODS);
      }
    }).list(Map.of("cluster", List.of("bench"), "group", List.of(""), "resource", List.of("pods"),
        "namespace", List.of(ns), "labelSelector", List.of("app=bench-7"), "limit", List.of("10000")));
    Sql sql = new QuerySql(Dialect.POSTGRESQL).list(q, ReadScope.ALL);
    try (Connection c = backend.database().connection(); Statement s = c.createStatement()) {
      s.execute("ANALYZE objects"); // what autovacuum does soon after a bulk load
    }
    try (Connection c = backend.database().connection();
         PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, BUFFERS) " + sql.text())) {
      sql.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        System.out.println("plan of the label-selector page:");
        while (rs.next()) {
          System.out.println("  " + rs.getString(1));
        }
      }
    }
  }

  /** The admin's bearer token for the backend under test. */
  private static String token;

  private static String get(HttpClient http, String url) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
              .header("authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(url + " -> " + r.statusCode() + " " + r.body());
      }
      return r.body();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static long count(HttpClient http, String url) throws Exception {
    long n = 0;
    for (JsonNode g : JSON.readTree(get(http, url)).path("groups")) {
      n += g.path("count").asLong();
    }
    return n;
  }
}
