package io.kubebackend.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.KubeBackend;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.Await;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * kube-backend mirroring cluster-1 and cluster-2 into a fresh database of one dialect, with the HTTP API on a free
 * port; clients of both clusters; namespaces with a random suffix, deleted on close. Only the resources the query
 * tests use are mirrored, so that the initial sync is quick.
 */
final class QueryFixture implements AutoCloseable {
  static final Duration MIRRORED = Duration.ofSeconds(60);
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> RESOURCES = List.of("pods", "configmaps", "namespaces", "deployments.apps",
      "replicasets.apps");

  final KubeBackend backend;
  final KubernetesClient c1;
  final KubernetesClient c2;
  final String suffix = UUID.randomUUID().toString().substring(0, 6);
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> namespaces = new ArrayList<>();
  private String adminToken;

  private QueryFixture(KubeBackend backend, KubernetesClient c1, KubernetesClient c2) {
    this.backend = backend;
    this.c1 = c1;
    this.c2 = c2;
  }

  static QueryFixture start(Dialect dialect) {
    BackendConfig config = BackendConfig.defaults()
        .withHttp(new BackendConfig.Http("127.0.0.1", 0))
        .withDatabase(new BackendConfig.DatabaseConfig(TestDatabases.freshUrl(dialect), null, null))
        .withAuth(RunningBackend.testAuth())
        .withSecurity(io.kubebackend.testing.RunningBackend.testSecurity())
        .withMoreClusters(List.of(spec("cluster-1", 1), spec("cluster-2", 2)));
    KubeBackend backend = KubeBackend.start(config);
    // Until discovery has run, no resource is known and queries naming one are (rightly) rejected.
    for (String cluster : List.of("cluster-1", "cluster-2")) {
      Await.until(MIRRORED, "discovery of " + cluster, () -> backend.mirror().get(cluster)
          .map(m -> m.resources().size() == RESOURCES.size()).orElse(false));
    }
    return new QueryFixture(backend, ClusterClients.connect(spec("cluster-1", 1)),
        ClusterClients.connect(spec("cluster-2", 2)));
  }

  private static ClusterSpec spec(String id, int i) {
    return new ClusterSpec(id, TestServers.kubeconfig(i).toString(), null, null, null, null, null, RESOURCES,
        List.of(), false, false);
  }

  KubernetesClient client(String cluster) {
    return cluster.equals("cluster-1") ? c1 : c2;
  }

  /** A new namespace of the same name in both clusters. */
  String namespace(String base) {
    String ns = base + "-" + suffix;
    for (KubernetesClient c : List.of(c1, c2)) {
      c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    namespaces.add(ns);
    return ns;
  }

  /** Pods are admitted only once the namespace's default service account exists. */
  void awaitServiceAccount(KubernetesClient c, String ns) {
    Await.until(MIRRORED, "service account default in " + ns,
        () -> c.serviceAccounts().inNamespace(ns).withName("default").get() != null);
  }

  /** One HTTP answer: status and JSON body. */
  record Response(int status, JsonNode body) {}

  /** GET path with query parameters given as name, value, name, value, ... (URL-encoded here). */
  Response get(String path, String... params) {
    StringBuilder url = new StringBuilder("http://127.0.0.1:" + backend.port() + path);
    for (int i = 0; i < params.length; i += 2) {
      url.append(i == 0 ? '?' : '&').append(URLEncoder.encode(params[i], StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
    }
    return getRaw(url.toString());
  }

  /** The admin's bearer token (logged in on first use). */
  synchronized String adminToken() {
    if (adminToken == null) {
      adminToken = RunningBackend.login(backend.port(), "admin", RunningBackend.ADMIN_PASSWORD);
    }
    return adminToken;
  }

  /** GET an already-encoded URL, as the admin. */
  Response getRaw(String url) {
    return getRaw(url, adminToken());
  }

  /** GET an already-encoded URL with a bearer token. */
  Response getRaw(String url, String token) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
              .header("authorization", "Bearer " + token).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      JsonNode body;
      try {
        body = JSON.readTree(r.body());
      } catch (IOException notJson) {
        body = JSON.getNodeFactory().textNode(r.body()); // shown by the failing assertion
      }
      return new Response(r.statusCode(), body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  String baseUrl() {
    return "http://127.0.0.1:" + backend.port();
  }

  /** GET that must succeed. */
  JsonNode ok(String path, String... params) {
    Response r = get(path, params);
    assertEquals(200, r.status(), () -> path + " " + List.of(params) + " -> " + r.body());
    return r.body();
  }

  /** One page of /api/v1/query. */
  JsonNode query(String... params) {
    return ok("/api/v1/query", params);
  }

  /** Every item of a query, following continue tokens. */
  List<JsonNode> queryAll(String... params) {
    List<JsonNode> out = new ArrayList<>();
    String cont = null;
    do {
      List<String> p = new ArrayList<>(List.of(params));
      if (cont != null) {
        p.addAll(List.of("continue", cont));
      }
      JsonNode page = query(p.toArray(String[]::new));
      page.path("items").forEach(out::add);
      cont = page.path("metadata").path("continue").asText(null);
    } while (cont != null);
    return out;
  }

  /** {@code cluster/namespace/name} of every item of a query (all pages), checking there are no duplicates. */
  Set<String> ids(String... params) {
    List<JsonNode> items = queryAll(params);
    Set<String> ids = new LinkedHashSet<>();
    for (JsonNode item : items) {
      if (!ids.add(id(item))) {
        throw new AssertionError("duplicate " + id(item));
      }
    }
    return ids;
  }

  static String id(JsonNode item) {
    return cluster(item) + "/" + item.at("/metadata/namespace").asText("") + "/" + item.at("/metadata/name").asText();
  }

  static String cluster(JsonNode item) {
    return item.path("metadata").path("annotations").path(ItemWriter.CLUSTER_ANNOTATION).asText();
  }

  /** Waits until the query returns exactly the expected ids (the mirror has caught up with the apiservers). */
  void awaitIds(Set<String> expected, String... params) {
    Set<String>[] last = new Set[1];
    try {
      Await.until(MIRRORED, "query " + List.of(params) + " to return " + expected.size() + " objects", () -> {
        last[0] = ids(params);
        return last[0].equals(expected);
      });
    } catch (AssertionError e) {
      Set<String> missing = new HashSet<>(expected);
      missing.removeAll(last[0] == null ? Set.of() : last[0]);
      Set<String> extra = new HashSet<>(last[0] == null ? Set.of() : last[0]);
      extra.removeAll(expected);
      throw new AssertionError(e.getMessage() + "; missing " + missing + ", unexpected " + extra, e);
    }
  }

  @Override
  public void close() {
    for (String ns : namespaces) {
      c1.namespaces().withName(ns).delete();
      c2.namespaces().withName(ns).delete();
    }
    backend.close();
    c1.close();
    c2.close();
  }
}
