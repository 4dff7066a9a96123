package io.kubebackend.api.kubesys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.KubeBackend;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.MirrorStore;
import io.kubebackend.store.ObjectKey;
import io.kubebackend.store.SyncState;
import io.kubebackend.testing.KubesysClient;
import io.kubebackend.testing.KubesysClient.Reply;
import io.kubebackend.testing.KubesysClient.Session;
import io.kubebackend.testing.MutableClock;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A kube-backend on a fresh database of one dialect, mirroring both local clusters (a few kinds, to stay light on
 * the shared test machine), with an admin session and a namespace of its own in each cluster. Closing it deletes
 * the namespaces and stops the backend.
 */
final class KubesysFixture implements AutoCloseable {
  static final String ADMIN_PASSWORD = "admin-password-for-tests";
  /** Mirrored from each cluster. Services are served but not mirrored: writes work, reads say 404. */
  static final List<String> MIRRORED = List.of("namespaces", "pods", "configmaps", "deployments.apps",
      "replicasets.apps", "clusterroles.rbac.authorization.k8s.io");

  final MutableClock clock = new MutableClock();
  final KubeBackend backend;
  final KubesysClient http;
  final Session admin;
  /** A namespace of this fixture, in both clusters. */
  final String ns = "kb-" + UUID.randomUUID().toString().substring(0, 8);
  final KubernetesClient cluster1;
  final KubernetesClient cluster2;

  private static final Map<Dialect, KubesysFixture> SHARED = new java.util.EnumMap<>(Dialect.class);

  /**
   * One fixture per dialect for all test classes of the run (each starts a backend mirroring two clusters, which
   * is not cheap on the shared machine); closed when the test JVM exits.
   */
  static synchronized KubesysFixture shared(Dialect dialect) {
    KubesysFixture f = SHARED.get(dialect);
    if (f == null) {
      KubesysFixture created = new KubesysFixture(dialect);
      Runtime.getRuntime().addShutdownHook(new Thread(created::close));
      SHARED.put(dialect, created);
      f = created;
    }
    return f;
  }

  KubesysFixture(Dialect dialect) {
    List<ClusterSpec> clusters = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      // Inline content: fabric8 re-reads a kubeconfig file now and then, and other test runs on the shared
      // machine may be rewriting it at that moment.
      clusters.add(new ClusterSpec("cluster-" + i, null, kubeconfigContent(i), null, null, null, null,
          MIRRORED, List.of(), false, false));
    }
    BackendConfig cfg = BackendConfig.defaults()
        .withHttp(new BackendConfig.Http("127.0.0.1", 0))
        .withDatabase(new BackendConfig.DatabaseConfig(TestDatabases.freshUrl(dialect), null, null))
        .withSecurity(new BackendConfig.Security(null, credentialKeyFile()))
        .withAuth(new BackendConfig.Auth("admin", ADMIN_PASSWORD, 60, List.of("https://ui.example"),
            new BackendConfig.RateLimit(10_000, 60), new BackendConfig.RateLimit(5, 3600), 4))
        .withMoreClusters(clusters);
    backend = KubeBackend.start(cfg, clock);
    http = new KubesysClient(backend.port());
    cluster1 = ClusterClients.connect(clusters.get(0));
    cluster2 = ClusterClients.connect(clusters.get(1));
    for (KubernetesClient c : List.of(cluster1, cluster2)) {
      c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    awaitSynced("cluster-1");
    awaitSynced("cluster-2");
    admin = http.login("admin", ADMIN_PASSWORD);
  }

  private static String kubeconfigContent(int cluster) {
    try {
      return Files.readString(TestServers.kubeconfig(cluster));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String credentialKeyFile() {
    try {
      return Files.createTempDirectory("kb-key").resolve("credential.key").toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitSynced(String cluster) {
    io.kubebackend.testing.Await.until(java.time.Duration.ofSeconds(180), cluster + " mirrored", () -> {
      Set<String> synced = backend.store().syncStatus(cluster).stream()
          .filter(r -> r.state() == SyncState.SYNCED)
          .map(r -> r.group().isEmpty() ? r.resource() : r.resource() + "." + r.group())
          .collect(Collectors.toSet());
      // The controller-manager adds kube-root-ca.crt to a new namespace; wait for it, so that it does not
      // appear in the middle of a test that checks the namespace stays unchanged.
      return synced.containsAll(MIRRORED)
          && backend.store().get(new ObjectKey(cluster, "", "namespaces", "", ns)).isPresent()
          && backend.store().get(new ObjectKey(cluster, "", "configmaps", ns, "kube-root-ca.crt")).isPresent();
    });
  }


  Reply kube(String op, Object body) {
    return http.post("/kubesys/kube/" + op, body, admin);
  }

  Reply kube(String op, Object body, Session s) {
    return http.post("/kubesys/kube/" + op, body, s);
  }

  Reply system(String op, Object body, Session s) {
    return http.post("/kubesys/system/" + op, body, s);
  }

  static ObjectNode configMap(String ns, String name, Map<String, String> data) {
    ObjectNode o = KubesysClient.JSON.createObjectNode();
    o.put("apiVersion", "v1").put("kind", "ConfigMap");
    o.putObject("metadata").put("name", name).put("namespace", ns);
    ObjectNode d = o.putObject("data");
    data.forEach(d::put);
    return o;
  }

  static ObjectNode deployment(String ns, String name, int replicas, String app) {
    ObjectNode o = KubesysClient.JSON.createObjectNode();
    o.put("apiVersion", "apps/v1").put("kind", "Deployment");
    o.putObject("metadata").put("name", name).put("namespace", ns).putObject("labels").put("app", app);
    ObjectNode spec = o.putObject("spec");
    spec.put("replicas", replicas);
    spec.putObject("selector").putObject("matchLabels").put("app", app);
    ObjectNode template = spec.putObject("template");
    template.putObject("metadata").putObject("labels").put("app", app);
    template.putObject("spec").putArray("containers").addObject().put("name", "web").put("image", "nginx:1.27");
    return o;
  }

  static Map<String, Object> write(String region, Object data) {
    return Map.of("region", region, "data", data);
  }

  static Map<String, Object> key(String fullkind, String ns, String name, String region) {
    return Map.of("fullkind", fullkind, "namespace", ns, "name", name, "region", region);
  }

  /**
   * Everything a refused request must leave alone: the ConfigMaps and Deployments of the fixture's namespace in
   * both clusters and in the database, and the auth tables.
   */
  record State(Set<String> cluster1, Set<String> cluster2, Set<String> database, List<Long> authRows) {}

  State state() {
    return new State(names(cluster1), names(cluster2), databaseNames(), authRows());
  }

  void assertUnchanged(State before) {
    assertEquals(before, state(), "a refused request changed something");
  }

  private Set<String> names(KubernetesClient c) {
    Set<String> out = new TreeSet<>();
    c.configMaps().inNamespace(ns).list().getItems().forEach(m -> out.add("cm/" + m.getMetadata().getName()
        + "@" + m.getMetadata().getResourceVersion()));
    c.apps().deployments().inNamespace(ns).list().getItems().forEach(m -> out.add("deploy/"
        + m.getMetadata().getName() + "@" + m.getMetadata().getGeneration()));
    return out;
  }

  private Set<String> databaseNames() {
    Set<String> out = new TreeSet<>();
    query("SELECT cluster, resource, name, resource_version FROM objects WHERE namespace = ?"
        + " AND resource IN ('configmaps', 'deployments')", rs -> out.add(rs.getString(1) + "/" + rs.getString(2)
        + "/" + rs.getString(3) + "@" + rs.getString(4)), ns);
    return out;
  }

  private List<Long> authRows() {
    List<Long> out = new ArrayList<>();
    for (String table : List.of("auth_users", "auth_roles", "auth_grants", "auth_tokens")) {
      query("SELECT COUNT(*) FROM " + table, rs -> out.add(rs.getLong(1)));
    }
    return out;
  }

  long tokenRows() {
    long[] n = new long[1];
    query("SELECT COUNT(*) FROM auth_tokens", rs -> n[0] = rs.getLong(1));
    return n[0];
  }

  interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  void query(String sql, RowReader reader, Object... args) {
    try (Connection c = backend.database().connection(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          reader.read(rs);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  MirrorStore store() {
    return backend.store();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    for (KubernetesClient c : List.of(cluster1, cluster2)) {
      try {
        c.namespaces().withName(ns).delete();
      } catch (RuntimeException e) {
        System.err.println("cleanup of namespace " + ns + " failed: " + e.getMessage());
      }
      c.close();
    }
    backend.close();
  }
}
