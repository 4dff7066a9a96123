package io.kubebackend.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.MirrorStore;
import io.kubebackend.store.ObjectKey;
import io.kubebackend.store.SqlMirrorStore;
import io.kubebackend.store.SyncState;
import io.kubebackend.testing.Await;
import io.kubebackend.testing.Etcd;
import io.kubebackend.testing.TcpProxy;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RuntimeMirror against real local clusters: the database equals what the apiservers list, through runtime
 * changes, CRDs coming and going, restarts of kube-backend and 410 Gone. Runs once per database dialect.
 */
abstract class AbstractMirrorIT {
  private static final Duration SYNC = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();

  abstract Dialect dialect();

  private Database db;
  private SqlMirrorStore store;
  private ChangeWriter writer;
  private RuntimeMirror mirror;
  private MirrorMetrics metrics;
  private KubernetesClient c1;
  private KubernetesClient c2;
  private final List<String> namespaces = new ArrayList<>();
  private final String suffix = UUID.randomUUID().toString().substring(0, 8);

  @BeforeEach
  void setUp() {
    db = TestDatabases.fresh(dialect());
    store = new SqlMirrorStore(db, Clock.systemUTC());
    c1 = ClusterClients.connect(spec("cluster-1", 1));
    c2 = ClusterClients.connect(spec("cluster-2", 2));
  }

  @AfterEach
  void tearDown() {
    stopMirror();
    for (String ns : namespaces) {
      c1.namespaces().withName(ns).delete();
      c2.namespaces().withName(ns).delete();
    }
    c1.close();
    c2.close();
    db.close();
  }

  private static ClusterSpec spec(String id, int i) {
    return ClusterSpec.fromKubeconfig(id, TestServers.kubeconfig(i).toString(), null);
  }

  private void startMirror(ClusterSpec... specs) {
    writer = new ChangeWriter(store, 20_000, 1_000, new SimpleMeterRegistry());
    metrics = new MirrorMetrics(new SimpleMeterRegistry());
    mirror = new RuntimeMirror(store, writer, Clock.systemUTC(), metrics);
    for (ClusterSpec s : specs) {
      mirror.add(s);
    }
  }

  private void stopMirror() {
    if (mirror != null) {
      mirror.close();
      writer.close();
      mirror = null;
    }
  }

  private String namespace(KubernetesClient c, String base) {
    String ns = base + "-" + suffix;
    c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    namespaces.add(ns);
    return ns;
  }

  /**
   * Waits until the rows of the cluster equal what it lists, resource by resource, uid for uid and resourceVersion
   * for resourceVersion (one uid may be served by two resources, e.g. events and events.events.k8s.io).
   */
  private void awaitEqual(String cluster, KubernetesClient client) {
    Map<String, Map<String, String>>[] last = new Map[2];
    try {
      Await.until(SYNC, "database equal to " + cluster, () -> {
        Map<String, Map<String, String>> live = ClusterState.objectsByResource(client);
        Map<String, Map<String, String>> stored = storedByResource(cluster);
        live.values().removeIf(Map::isEmpty);
        last[0] = live;
        last[1] = stored;
        return live.equals(stored);
      });
    } catch (AssertionError e) {
      Set<String> differ = new java.util.TreeSet<>(last[0].keySet());
      differ.addAll(last[1].keySet());
      differ.removeIf(r -> java.util.Objects.equals(last[0].get(r), last[1].get(r)));
      throw new AssertionError(e.getMessage() + ": resources that differ: " + differ, e);
    }
  }

  /** {@code resource key -> uid -> resourceVersion} of the cluster's rows, read with plain SQL. */
  private Map<String, Map<String, String>> storedByResource(String cluster) {
    Map<String, Map<String, String>> out = new java.util.TreeMap<>();
    try (var c = db.connection(); var ps = c.prepareStatement(
        "SELECT api_group, resource, uid, resource_version FROM objects WHERE cluster = ?")) {
      ps.setString(1, cluster);
      try (var rs = ps.executeQuery()) {
        while (rs.next()) {
          String key = rs.getString(1).isEmpty() ? rs.getString(2) : rs.getString(2) + "." + rs.getString(1);
          out.computeIfAbsent(key, k -> new java.util.HashMap<>()).put(rs.getString(3), rs.getString(4));
        }
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private void awaitRow(ObjectKey key, String resourceVersion) {
    Await.until(Duration.ofSeconds(10), key.path() + "@" + resourceVersion,
        () -> store.get(key).map(o -> o.resourceVersion().equals(resourceVersion)).orElse(false));
  }

  @Test
  void initialSyncEqualsBothClusters() {
    startMirror(spec("cluster-1", 1), spec("cluster-2", 2));
    awaitEqual("cluster-1", c1);
    awaitEqual("cluster-2", c2);
    Await.until(SYNC, "every resource synced", () -> store.syncStatus("cluster-1").stream()
        .allMatch(s -> s.state() == SyncState.SYNCED));
    List<MirrorStore.SyncStatusRow> status = store.syncStatus("cluster-1");
    assertEquals(mirror.get("cluster-1").orElseThrow().resources().size(), status.size(),
        "one status row per mirrored resource");
    assertTrue(status.stream().anyMatch(s -> s.resource().equals("deployments") && s.group().equals("apps")));
    assertTrue(status.stream().anyMatch(s -> s.resource().equals("customresourcedefinitions")));
    assertFalse(status.stream().anyMatch(s -> s.resource().contains("/")), "no subresources");
  }

  @Test
  void createUpdateDeleteReachTheDatabase() {
    startMirror(spec("cluster-1", 1));
    awaitEqual("cluster-1", c1);
    String ns = namespace(c1, "crud");
    var created = c1.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("cm")
        .addToLabels("app", "web").endMetadata().addToData("k", "v1").build()).create();
    ObjectKey key = new ObjectKey("cluster-1", "", "configmaps", ns, "cm");
    long createMs = Await.millisUntil(Duration.ofSeconds(10), "create", () -> store.get(key).isPresent());
    assertEquals(created.getMetadata().getUid(), store.get(key).orElseThrow().uid());

    created.getData().put("k", "v2");
    var updated = c1.configMaps().inNamespace(ns).resource(created).update();
    long updateMs = Await.millisUntil(Duration.ofSeconds(10), "update", () -> store.get(key)
        .map(o -> o.resourceVersion().equals(updated.getMetadata().getResourceVersion())).orElse(false));
    assertEquals("v2", json(store.get(key).orElseThrow().objectJson()).at("/data/k").asText());

    c1.configMaps().inNamespace(ns).withName("cm").delete();
    long deleteMs = Await.millisUntil(Duration.ofSeconds(10), "delete", () -> store.get(key).isEmpty());
    System.out.printf("[%s] apiserver -> database: create %d ms, update %d ms, delete %d ms%n", dialect(),
        createMs, updateMs, deleteMs);
    assertEquals(List.of("c", "u", "d"), eventOps(created.getMetadata().getUid()));
  }

  @Test
  void customResourcesFollowTheirDefinition() {
    startMirror(spec("cluster-1", 1));
    awaitEqual("cluster-1", c1);
    String group = "t" + suffix + ".kubebackend.test";
    CustomResourceDefinition crd = new CustomResourceDefinitionBuilder().withNewMetadata()
        .withName("widgets." + group).endMetadata().withNewSpec().withGroup(group).withScope("Namespaced")
        .withNewNames().withPlural("widgets").withSingular("widget").withKind("Widget").endNames()
        .addNewVersion().withName("v1").withServed(true).withStorage(true).withNewSchema()
        .withOpenAPIV3Schema(new JSONSchemaPropsBuilder().withType("object")
            .withXKubernetesPreserveUnknownFields(true).build())
        .endSchema().endVersion().endSpec().build();
    c1.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    awaitEstablished("widgets." + group);
    String ns = namespace(c1, "crd");
    ResourceDefinitionContext ctx = new ResourceDefinitionContext.Builder().withGroup(group).withVersion("v1")
        .withPlural("widgets").withKind("Widget").withNamespaced(true).build();
    GenericKubernetesResource w = new GenericKubernetesResource();
    w.setApiVersion(group + "/v1");
    w.setKind("Widget");
    w.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("w1").withNamespace(ns).build());
    w.setAdditionalProperty("spec", Map.of("size", 3));
    GenericKubernetesResource made = c1.genericKubernetesResources(ctx).inNamespace(ns).resource(w).create();
    ObjectKey key = new ObjectKey("cluster-1", group, "widgets", ns, "w1");
    awaitRow(key, made.getMetadata().getResourceVersion());
    assertEquals(3, json(store.get(key).orElseThrow().objectJson()).at("/spec/size").asInt());
    assertTrue(store.syncStatus("cluster-1").stream().anyMatch(s -> s.group().equals(group)));

    c1.apiextensions().v1().customResourceDefinitions().withName("widgets." + group).delete();
    Await.until(SYNC, "custom objects and status removed with their CRD", () -> store.get(key).isEmpty()
        && store.syncStatus("cluster-1").stream().noneMatch(s -> s.group().equals(group)));
    assertEquals("d", eventOps(made.getMetadata().getUid()).getLast());
  }

  /**
   * A CRD whose group gets a new preferred version (v2 becomes served and the storage version): the objects are
   * unchanged in etcd, same resourceVersion, yet their rows and the events of the re-list are at v2.
   */
  @Test
  void aNewPreferredVersionRewritesUnchangedObjectsAtIt() {
    startMirror(spec("cluster-1", 1));
    String group = "v" + suffix + ".kubebackend.test";
    String crdName = "gadgets." + group;
    var preserve = new JSONSchemaPropsBuilder().withType("object").withXKubernetesPreserveUnknownFields(true).build();
    CustomResourceDefinition crd = new CustomResourceDefinitionBuilder().withNewMetadata().withName(crdName)
        .endMetadata().withNewSpec().withGroup(group).withScope("Namespaced")
        .withNewNames().withPlural("gadgets").withSingular("gadget").withKind("Gadget").endNames()
        .addNewVersion().withName("v1").withServed(true).withStorage(true).withNewSchema()
        .withOpenAPIV3Schema(preserve).endSchema().endVersion()
        .addNewVersion().withName("v2").withServed(false).withStorage(false).withNewSchema()
        .withOpenAPIV3Schema(preserve).endSchema().endVersion().endSpec().build();
    var crds = c1.apiextensions().v1().customResourceDefinitions();
    crds.resource(crd).create();
    try {
      awaitEstablished(crdName);
      String ns = namespace(c1, "version");
      ResourceDefinitionContext v1 = new ResourceDefinitionContext.Builder().withGroup(group).withVersion("v1")
          .withPlural("gadgets").withKind("Gadget").withNamespaced(true).build();
      Map<String, String> created = new HashMap<>();
      for (String name : List.of("g1", "g2", "g3")) {
        GenericKubernetesResource g = new GenericKubernetesResource();
        g.setApiVersion(group + "/v1");
        g.setKind("Gadget");
        g.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(ns)
            .build());
        g.setAdditionalProperty("spec", Map.of("size", 1));
        created.put(name, c1.genericKubernetesResources(v1).inNamespace(ns).resource(g).create().getMetadata()
            .getResourceVersion());
      }
      // A new CRD is mirrored after a discovery that sees it, at worst the periodic one: SYNC, not awaitRow's 10 s.
      Await.until(SYNC, "the gadgets mirrored at v1", () -> created.entrySet().stream().allMatch(e -> store.get(
          new ObjectKey("cluster-1", group, "gadgets", ns, e.getKey())).map(o -> o.resourceVersion()
          .equals(e.getValue())).orElse(false)));
      created.keySet().forEach(name -> assertEquals("v1",
          store.get(new ObjectKey("cluster-1", group, "gadgets", ns, name)).orElseThrow().version()));
      long seqBefore = lastSeq();

      crds.withName(crdName).edit(c -> {
        c.getSpec().getVersions().forEach(v -> {
          v.setServed(true);
          v.setStorage(v.getName().equals("v2"));
        });
        return c;
      });

      Await.until(SYNC, "every row rewritten at v2", () -> created.keySet().stream().allMatch(name -> store.get(
          new ObjectKey("cluster-1", group, "gadgets", ns, name)).map(o -> o.version().equals("v2")
          && json(o.objectJson()).path("apiVersion").asText().equals(group + "/v2")).orElse(false)));
      for (var e : created.entrySet()) {
        MirrorStore.StoredObject row = store.get(new ObjectKey("cluster-1", group, "gadgets", ns, e.getKey()))
            .orElseThrow();
        assertEquals(e.getValue(), row.resourceVersion(), "the object itself did not change");
      }
      List<String> events = new ArrayList<>();
      query("SELECT name, op, version, " + db.dialect().jsonText("object") + " FROM events WHERE seq > "
          + seqBefore + " AND api_group = ? ORDER BY seq", group, rs -> events.add(rs.getString(1) + " "
          + rs.getString(2) + " " + rs.getString(3) + " " + json(rs.getString(4)).path("apiVersion").asText()));
      for (String name : created.keySet()) {
        assertTrue(events.contains(name + " r v2 " + group + "/v2"), name + " re-listed at v2: " + events);
      }
      assertTrue(events.stream().noneMatch(e -> e.contains(" v1 ")), "no event at v1 after the switch: " + events);
    } finally {
      crds.withName(crdName).delete();
    }
  }

  @Test
  void restartAppliesMissedChangesAndRewritesNothingUnchanged() throws Exception {
    startMirror(spec("cluster-1", 1));
    String ns = namespace(c1, "restart");
    for (String name : List.of("keep", "change", "remove")) {
      c1.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
          .endMetadata().addToData("k", "v").build()).create();
    }
    awaitEqual("cluster-1", c1);
    assertTrue(writer.awaitWritten(10_000), "every change written");
    stopMirror();
    // Keyed by row, not uid: an object served by two resources (events and events.events.k8s.io) has one uid.
    Map<String, String> before = rowVersions("cluster-1");
    Map<String, Long> syncedBefore = syncedMs("cluster-1");
    long lastSeq = lastSeq();

    var change = c1.configMaps().inNamespace(ns).withName("change").get();
    change.getData().put("k", "changed");
    c1.configMaps().inNamespace(ns).resource(change).update();
    String removedUid = c1.configMaps().inNamespace(ns).withName("remove").get().getMetadata().getUid();
    c1.configMaps().inNamespace(ns).withName("remove").delete();
    c1.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("added")
        .endMetadata().build()).create();

    startMirror(spec("cluster-1", 1));
    awaitEqual("cluster-1", c1);
    assertTrue(writer.awaitWritten(10_000), "every change written");
    Map<String, String> after = rowVersions("cluster-1");
    Map<String, Long> syncedAfter = syncedMs("cluster-1");
    Set<String> eventRows = eventRowsAfter(lastSeq);
    int unchanged = 0;
    for (var e : before.entrySet()) {
      if (e.getValue().equals(after.get(e.getKey()))) {
        unchanged++;
        assertEquals(syncedBefore.get(e.getKey()), syncedAfter.get(e.getKey()), "unchanged row rewritten");
        assertFalse(eventRows.contains(e.getKey()), "event for an unchanged object " + e.getKey() + "@"
            + e.getValue());
      }
    }
    assertTrue(unchanged > 50, "most objects were unchanged: " + unchanged);
    assertFalse(store.uidVersions("cluster-1").containsKey(removedUid), "deleted while stopped: row removed");
    assertEquals("d", eventOps(removedUid).getLast());
    assertEquals("changed", json(store.get(new ObjectKey("cluster-1", "", "configmaps", ns, "change"))
        .orElseThrow().objectJson()).at("/data/k").asText());
  }

  /** The apiserver accepts a NUL character in a ConfigMap value; PostgreSQL's jsonb cannot hold one. */
  @Test
  void anObjectWithANulCharacterIsStoredAndTheMirrorGoesOn() {
    startMirror(spec("cluster-1", 1));
    String ns = namespace(c1, "nul");
    var nul = c1.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("nul")
        .endMetadata().addToData("k", "a\u0000b").build()).create();
    var after = c1.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("after")
        .endMetadata().addToData("k", "v").build()).create();
    awaitRow(new ObjectKey("cluster-1", "", "configmaps", ns, "after"), after.getMetadata().getResourceVersion());
    ObjectKey key = new ObjectKey("cluster-1", "", "configmaps", ns, "nul");
    awaitRow(key, nul.getMetadata().getResourceVersion());
    String stored = json(store.get(key).orElseThrow().objectJson()).at("/data/k").asText();
    assertEquals(dialect() == Dialect.POSTGRESQL ? "a\ufffdb" : "a\u0000b", stored);
    List<String> eventObjects = new ArrayList<>();
    query("SELECT " + db.dialect().jsonText("object") + " FROM events WHERE uid = ?", nul.getMetadata().getUid(),
        rs -> eventObjects.add(rs.getString(1)));
    assertEquals("a\u0000b", json(eventObjects.getFirst()).at("/data/k").asText(), "the event keeps the original");
  }

  @Test
  void secretDataIsNotStoredByDefault() {
    startMirror(spec("cluster-1", 1));
    String ns = namespace(c1, "secret");
    String value = "s3cr3t-" + suffix;
    String encoded = Base64.getEncoder().encodeToString(value.getBytes());
    var s = c1.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("db")
        .endMetadata().addToData("password", encoded).addToStringData("token", value).build()).create();
    ObjectKey key = new ObjectKey("cluster-1", "", "secrets", ns, "db");
    awaitRow(key, s.getMetadata().getResourceVersion());
    String raw = store.get(key).orElseThrow().objectJson();
    JsonNode json = json(raw);
    assertFalse(raw.contains(encoded) || raw.contains(value), "secret value stored");
    assertTrue(json.path("data").isMissingNode() && json.path("stringData").isMissingNode(), "data stored");
    assertEquals("db", json.at("/metadata/name").asText(), "metadata kept");
    assertEquals(s.getMetadata().getUid(), json.at("/metadata/uid").asText(), "metadata kept");
    assertTrue(json.at("/metadata/managedFields").isMissingNode(), "managedFields dropped by default");
  }

  @Test
  void relistAfterGoneLeavesNoGhostRows() throws Exception {
    Path kubeconfig = TestServers.disposableKubeconfig();
    String content = Files.readString(kubeconfig);
    KubernetesClient c3 = ClusterClients.connect(ClusterSpec.fromKubeconfig("cluster-3", kubeconfig.toString(), null));
    int port = URI.create(c3.getMasterUrl().toString()).getPort();
    try (TcpProxy proxy = new TcpProxy(port)) {
      String proxied = content.replace("127.0.0.1:" + port, "127.0.0.1:" + proxy.port());
      startMirror(new ClusterSpec("cluster-3", null, proxied, null, null, null, null, List.of(), List.of(),
          false, false));
      String ns = namespace(c3, "gone");
      for (int i = 0; i < 30; i++) {
        c3.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("cm-" + i)
            .endMetadata().addToData("i", Integer.toString(i)).build()).create();
      }
      awaitEqual("cluster-3", c3);

      // Partition kube-backend from the apiserver, change things, then make its watch position unusable:
      // a restarted apiserver's watch cache starts at the current revision and etcd is compacted past it.
      proxy.partition();
      for (int i = 0; i < 15; i++) {
        c3.configMaps().inNamespace(ns).withName("cm-" + i).delete();
      }
      for (int i = 15; i < 20; i++) {
        var cm = c3.configMaps().inNamespace(ns).withName("cm-" + i).get();
        cm.getData().put("i", "changed");
        c3.configMaps().inNamespace(ns).resource(cm).update();
      }
      for (int i = 30; i < 33; i++) {
        c3.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("cm-" + i)
            .endMetadata().build()).create();
      }
      TestServers.restartApiserver(3);
      Etcd.compactToCurrent();
      proxy.heal();

      awaitEqual("cluster-3", c3);
      assertTrue(metrics.goneRelists() > 0, "the watch resumed with 410 Gone and re-listed");
      for (int i = 0; i < 15; i++) {
        assertTrue(store.get(new ObjectKey("cluster-3", "", "configmaps", ns, "cm-" + i)).isEmpty(), "ghost cm-" + i);
      }
      stopMirror();
      c3.namespaces().withName(ns).delete();
    } finally {
      c3.close();
    }
  }

  /** Waits for the CRD's Established condition; a status the apiserver has not filled in yet has no conditions. */
  private void awaitEstablished(String crdName) {
    c1.apiextensions().v1().customResourceDefinitions().withName(crdName).waitUntilCondition(
        c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
            && c.getStatus().getConditions().stream()
                .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
        30, java.util.concurrent.TimeUnit.SECONDS);
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private List<String> eventOps(String uid) {
    List<String> ops = new ArrayList<>();
    query("SELECT op FROM events WHERE uid = ? ORDER BY seq", uid, rs -> ops.add(rs.getString(1)));
    return ops;
  }

  private long lastSeq() {
    long[] seq = {0};
    query("SELECT COALESCE(MAX(seq), 0) FROM events WHERE cluster = ?", "cluster-1", rs -> seq[0] = rs.getLong(1));
    return seq[0];
  }

  private static final String ROW = "api_group || '/' || resource || '/' || namespace || '/' || name";

  private Set<String> eventRowsAfter(long seq) {
    Set<String> rows = new HashSet<>();
    query("SELECT " + ROW + " FROM events WHERE seq > " + seq + " AND cluster = ?", "cluster-1",
        rs -> rows.add(rs.getString(1)));
    return rows;
  }

  private Map<String, String> rowVersions(String cluster) {
    Map<String, String> out = new HashMap<>();
    query("SELECT " + ROW + ", resource_version FROM objects WHERE cluster = ?", cluster,
        rs -> out.put(rs.getString(1), rs.getString(2)));
    return out;
  }

  private Map<String, Long> syncedMs(String cluster) {
    Map<String, Long> out = new HashMap<>();
    query("SELECT " + ROW + ", synced_ms FROM objects WHERE cluster = ?", cluster,
        rs -> out.put(rs.getString(1), rs.getLong(2)));
    return out;
  }

  private interface Row {
    void accept(ResultSet rs) throws Exception;
  }

  private void query(String sql, String arg, Row row) {
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          row.accept(rs);
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
