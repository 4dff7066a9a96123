package io.kubebackend.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubebackend.KubeBackend;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.SyncState;
import io.kubebackend.testing.Await;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A kube-backend for hostile-user tests, one per dialect per run: cluster-1 mirrored with an include list (so that
 * Secrets are served but not mirrored) as {@code c1}, cluster-2 with an exclude list (ConfigMaps excluded) as
 * {@code c2}; namespaces {@link #teamA} and {@link #teamB} in both, each with a ConfigMap, a Secret and a Pod named
 * {@code seed}, and a ClusterRoleBinding {@link #victim} to cluster-admin. Every object it makes carries the label
 * {@code kb-security=<run>}, which is what {@link #fingerprint} reads back with admin credentials.
 */
final class SecurityFixture implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PASSWORD = "security-fixture-pw";
  /** The node bindings aim at; it exists in both clusters. */
  static final String BINDING_NODE = "evil-node";
  static final List<String> C1_INCLUDE = List.of("namespaces", "configmaps", "pods", "deployments.apps",
      "clusterrolebindings.rbac.authorization.k8s.io");
  static final List<String> C2_INCLUDE = List.of("namespaces", "configmaps", "secrets", "pods");
  static final List<String> C2_EXCLUDE = List.of("configmaps");
  private static final Map<Dialect, SecurityFixture> SHARED = new EnumMap<>(Dialect.class);

  final String run = UUID.randomUUID().toString().substring(0, 6);
  final String teamA = "sa-" + run;
  final String teamB = "sb-" + run;
  final String victim = "kb-victim-" + run;
  /** Text that only the seed Secret of a namespace holds: it must never reach a caller outside that namespace. */
  String secretMarker(String namespace) {
    return "s3cret-" + run + "-" + namespace;
  }

  final String label = "kb-security";
  final KubeBackend backend;
  final KubernetesClient cluster1;
  final KubernetesClient cluster2;
  final String adminToken;
  private final HttpClient http = HttpClient.newHttpClient();

  static synchronized SecurityFixture shared(Dialect dialect) {
    return SHARED.computeIfAbsent(dialect, d -> {
      SecurityFixture f = new SecurityFixture(d);
      Runtime.getRuntime().addShutdownHook(new Thread(f::close));
      return f;
    });
  }

  private SecurityFixture(Dialect dialect) {
    ClusterSpec c1 = new ClusterSpec("c1", null, kubeconfig(1), null, null, null, null, C1_INCLUDE, List.of(),
        false, false);
    ClusterSpec c2 = new ClusterSpec("c2", null, kubeconfig(2), null, null, null, null, C2_INCLUDE, C2_EXCLUDE,
        false, false);
    BackendConfig cfg = BackendConfig.defaults()
        .withHttp(new BackendConfig.Http("127.0.0.1", 0))
        .withDatabase(new BackendConfig.DatabaseConfig(TestDatabases.freshUrl(dialect), null, null))
        .withSecurity(RunningBackend.testSecurity())
        .withAuth(new BackendConfig.Auth("admin", PASSWORD, 60, null, new BackendConfig.RateLimit(100_000, 60),
            new BackendConfig.RateLimit(100_000, 60), 4))
        .withMoreClusters(List.of(c1, c2));
    cluster1 = ClusterClients.connect(c1);
    cluster2 = ClusterClients.connect(c2);
    for (KubernetesClient c : List.of(cluster1, cluster2)) {
      seed(c);
    }
    backend = KubeBackend.start(cfg);
    adminToken = RunningBackend.login(backend.port(), "admin", PASSWORD);
    awaitSynced("c1", C1_INCLUDE.size());
    awaitSynced("c2", C2_INCLUDE.size() - C2_EXCLUDE.size());
  }

  private void seed(KubernetesClient c) {
    // The matrix binds the seed pods to this node. Without a Node of that name the pod garbage collector deletes
    // them as orphans at a time of its own, which the "a refused request changed nothing" check would blame on the
    // request under test; the pods tolerate every taint, so the node lifecycle controller does not evict them.
    try {
      c.nodes().resource(new NodeBuilder().withNewMetadata().withName(BINDING_NODE).endMetadata().build()).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    for (String ns : List.of(teamA, teamB)) {
      c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).addToLabels(label, run)
          .endMetadata().build()).create();
      c.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("seed")
          .addToLabels(label, run).endMetadata().addToData("k", "cm-" + ns).build()).create();
      c.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("seed")
          .addToLabels(label, run).endMetadata().addToStringData("password", secretMarker(ns)).build()).create();
      c.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("seed").addToLabels(label, run)
          .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("busybox:1").endContainer()
          .addNewToleration().withOperator("Exists").endToleration().endSpec().build()).create();
    }
    c.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(victim)
        .addToLabels(label, run).endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
        .withKind("ClusterRole").withName("cluster-admin").endRoleRef().addNewSubject().withKind("User")
        .withName("kb-victim-owner").withApiGroup("rbac.authorization.k8s.io").endSubject().build()).create();
  }

  private void awaitSynced(String cluster, int resources) {
    Await.until(Duration.ofSeconds(180), cluster + " synced", () -> {
      var rows = backend.store().syncStatus(cluster);
      return rows.size() >= resources && rows.stream().allMatch(r -> r.state() == SyncState.SYNCED)
          && backend.store().count(cluster) > 0;
    });
  }

  private static String kubeconfig(int i) {
    try {
      return Files.readString(TestServers.kubeconfig(i));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  KubernetesClient client(String cluster) {
    return cluster.equals("c2") ? cluster2 : cluster1;
  }

  /**
   * What a refused request must leave alone, read with admin credentials straight from the apiserver: every
   * object of the run's label (seeds, the victim binding, objects the tests made) by kind with its
   * resourceVersion, plus the victim binding's subjects and the names of every ClusterRoleBinding.
   */
  Map<String, String> fingerprint(String cluster) {
    KubernetesClient c = client(cluster);
    Map<String, String> out = new TreeMap<>();
    c.configMaps().inAnyNamespace().withLabel(label, run).list().getItems().forEach(o ->
        out.put("cm/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName(),
            o.getMetadata().getResourceVersion()));
    c.secrets().inAnyNamespace().withLabel(label, run).list().getItems().forEach(o ->
        out.put("secret/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName(),
            o.getMetadata().getResourceVersion()));
    c.pods().inAnyNamespace().withLabel(label, run).list().getItems().forEach(o ->
        out.put("pod/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName(),
            o.getMetadata().getResourceVersion() + " node=" + o.getSpec().getNodeName()));
    c.rbac().clusterRoleBindings().list().getItems().forEach(o -> out.put("crb/" + o.getMetadata().getName(),
        o.getMetadata().getName().equals(victim) ? o.getMetadata().getResourceVersion() + " "
            + o.getSubjects() : ""));
    c.namespaces().withLabel(label, run).list().getItems().forEach(o ->
        out.put("ns/" + o.getMetadata().getName(), o.getMetadata().getResourceVersion()));
    return out;
  }

  /** A user with a new role of these grants (each {cluster, namespace, kind, read, write}); returns its token. */
  String user(String name, List<Map<String, Object>> grants) {
    String user = name + "-" + run;
    String role = "role-" + user;
    expectOk(kubesys("/kubesys/system/putRole", Map.of("name", role, "grants", grants), adminToken, "admin"));
    expectOk(kubesys("/kubesys/system/createUser", Map.of("name", user, "role", role, "password",
        Base64.getEncoder().encodeToString(("pw-" + user).getBytes(StandardCharsets.UTF_8))), adminToken, "admin"));
    return RunningBackend.login(backend.port(), user, "pw-" + user);
  }

  static Map<String, Object> grant(String cluster, String namespace, String kind, boolean read, boolean write) {
    return Map.of("cluster", cluster, "namespace", namespace, "kind", kind, "read", read, "write", write);
  }

  private static void expectOk(Reply r) {
    if (r.status() != 200) {
      throw new AssertionError("setup request failed: " + r);
    }
  }

  /** An answer: status, content type and body text. */
  record Reply(int status, String contentType, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + this, e);
      }
    }

    @Override
    public String toString() {
      return status + " " + (body.length() > 600 ? body.substring(0, 600) + "..." : body);
    }
  }

  /** A request to the native API with a bearer token; {@code rawPath} is sent exactly as given (already encoded). */
  Reply send(String method, String rawPath, String contentType, String body, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + backend.port() + rawPath))
        .timeout(Duration.ofSeconds(60))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    if (contentType != null) {
      b.header("content-type", contentType);
    }
    return send(b.build());
  }

  Reply kubesys(String path, Object body, String token, String user) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + backend.port() + path))
          .timeout(Duration.ofSeconds(60))
          .POST(HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body)))
          .header("content-type", "application/json");
      if (token != null) {
        b.header("authorization", "Bearer " + token).header("user", user);
      }
      return send(b.build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Reply send(HttpRequest request) {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Names of the objects a kubesys or native list answer holds, with their namespaces. */
  static List<String> itemNamespaces(JsonNode list) {
    List<String> out = new ArrayList<>();
    for (JsonNode item : list.path("items")) {
      out.add(item.path("metadata").path("namespace").asText(""));
    }
    return out;
  }

  @Override
  public void close() {
    for (KubernetesClient c : List.of(cluster1, cluster2)) {
      try {
        c.namespaces().withName(teamA).delete();
        c.namespaces().withName(teamB).delete();
        c.rbac().clusterRoleBindings().withName(victim).delete();
      } catch (RuntimeException e) {
        System.err.println("cleanup failed: " + e.getMessage());
      }
      c.close();
    }
    backend.close();
  }
}
