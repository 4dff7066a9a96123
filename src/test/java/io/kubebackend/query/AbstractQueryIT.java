package io.kubebackend.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.Await;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import io.kubebackend.testing.KubesysClient;
import io.kubebackend.testing.RunningBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The query API against two real clusters: each label-selector operator gives what the apiservers give for the
 * same selector, field conditions give what a check of the apiservers' own objects gives, the descendants query
 * follows the owners the controller-manager sets, and aggregations count what the apiservers list.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractQueryIT {
  abstract Dialect dialect();

  private QueryFixture f;

  @BeforeAll
  void start() {
    f = QueryFixture.start(dialect());
  }

  @AfterAll
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  private static final List<String> APPS = java.util.Arrays.asList("web", "api", "db", null);
  private static final List<String> TIERS = java.util.Arrays.asList("front", "back", null);
  private static final List<String> RANKS = java.util.Arrays.asList("1", "5", "10", "x", null);

  /** ConfigMaps with every combination of a few labels, spread over both clusters. */
  private String labelledConfigMaps() {
    return labelledConfigMaps("labels");
  }

  private String labelledConfigMaps(String base) {
    String ns = f.namespace(base);
    for (int i = 0; i < 24; i++) {
      Map<String, String> labels = new HashMap<>();
      put(labels, "app", APPS.get(i % APPS.size()));
      put(labels, "tier", TIERS.get(i % TIERS.size()));
      put(labels, "rank", RANKS.get(i % RANKS.size()));
      put(labels, "example.com/team", i % 2 == 0 ? "a" : "b");
      if (i % 6 == 0) {
        labels.put("empty", "");
      }
      KubernetesClient c = i % 2 == 0 ? f.c1 : f.c2;
      c.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("cm-" + i)
          .withLabels(labels).endMetadata().build()).create();
    }
    f.awaitIds(apiserverIds(ns, null), "namespace", ns, "resource", "configmaps");
    return ns;
  }

  private static void put(Map<String, String> m, String k, String v) {
    if (v != null) {
      m.put(k, v);
    }
  }

  /** {@code cluster/namespace/name} of the ConfigMaps both apiservers list for a selector (null: all). */
  private Set<String> apiserverIds(String ns, String selector) {
    Set<String> out = new java.util.TreeSet<>();
    for (String cluster : List.of("cluster-1", "cluster-2")) {
      var op = f.client(cluster).configMaps().inNamespace(ns);
      List<ConfigMap> items = selector == null ? op.list().getItems()
          : op.withLabelSelector(selector).list().getItems();
      items.forEach(cm -> out.add(cluster + "/" + ns + "/" + cm.getMetadata().getName()));
    }
    return out;
  }

  /** A user whose role grants reading ConfigMaps of one namespace of cluster-1 sees only those. */
  @Test
  void queriesAndAggregationsOnlyReturnWhatTheCallersRoleMayRead() {
    String ns = labelledConfigMaps("scoped");
    KubesysClient kubesys = new KubesysClient(f.backend.port());
    KubesysClient.Session admin = kubesys.login("admin", RunningBackend.ADMIN_PASSWORD);
    String user = "reader-" + f.suffix;
    assertEquals(200, kubesys.post("/kubesys/system/putRole", Map.of("name", user, "grants",
        List.of(Map.of("cluster", "cluster-1", "namespace", ns, "kind", "ConfigMap", "read", true, "write", false))),
        admin).status());
    assertEquals(200, kubesys.post("/kubesys/system/createUser", Map.of("name", user, "password",
        java.util.Base64.getEncoder().encodeToString("pw-123456".getBytes()), "role", user), admin).status());
    String token = kubesys.login(user, "pw-123456").token();

    Set<String> everything = f.ids("namespace", ns, "resource", "configmaps");
    Set<String> allowed = new java.util.TreeSet<>();
    everything.stream().filter(id -> id.startsWith("cluster-1/")).forEach(allowed::add);
    assertTrue(allowed.size() > 0 && allowed.size() < everything.size(), everything.toString());

    String base = "http://127.0.0.1:" + f.backend.port();
    QueryFixture.Response scoped = f.getRaw(base + "/api/v1/query?resource=configmaps&namespace=" + ns, token);
    assertEquals(200, scoped.status(), scoped.body().toString());
    Set<String> seen = new java.util.TreeSet<>();
    scoped.body().path("items").forEach(item -> seen.add(QueryFixture.id(item)));
    assertEquals(allowed, seen);
    QueryFixture.Response wider = f.getRaw(base + "/api/v1/query?resource=pods", token);
    assertEquals(0, wider.body().path("items").size(), "no grant on pods");
    QueryFixture.Response counts = f.getRaw(base + "/api/v1/aggregate?resource=configmaps&groupBy=cluster", token);
    assertEquals(200, counts.status(), counts.body().toString());
    assertEquals(1, counts.body().path("groups").size(), counts.body().toString());
    assertEquals(allowed.size(), counts.body().at("/groups/0/count").asInt(), counts.body().toString());
  }

  @Test
  void everyLabelSelectorOperatorSelectsWhatTheApiserverSelects() {
    String ns = labelledConfigMaps();
    List<String> selectors = List.of("app=web", "app==web", "app!=web", "app in (web,api)", "app notin (web,api)",
        "app", "!app", "rank>4", "rank<6", "rank>0", "example.com/team=a", "empty=", "empty", "app in (web,)",
        "tier=front,app!=db", "app in (web),tier notin (back),!gone", "app,tier,rank>0,rank<10",
        "app notin (web),!tier", "app=nothing", "");
    int nonEmpty = 0;
    for (String selector : selectors) {
      Set<String> expected = apiserverIds(ns, selector);
      Set<String> actual = new java.util.TreeSet<>(f.ids("namespace", ns, "resource", "configmaps",
          "labelSelector", selector));
      assertEquals(expected, actual, "labelSelector " + selector);
      nonEmpty += expected.isEmpty() ? 0 : 1;
    }
    assertTrue(nonEmpty >= selectors.size() - 2, "the selectors select something");

    // Equality through fabric8's withLabels, and several clusters by name.
    Set<String> expected = new java.util.TreeSet<>();
    for (String cluster : List.of("cluster-1", "cluster-2")) {
      f.client(cluster).configMaps().inNamespace(ns).withLabels(Map.of("app", "api", "tier", "back")).list()
          .getItems().forEach(cm -> expected.add(cluster + "/" + ns + "/" + cm.getMetadata().getName()));
    }
    assertFalse(expected.isEmpty());
    assertEquals(expected, new java.util.TreeSet<>(f.ids("namespace", ns, "resource", "configmaps",
        "labelSelector", "app=api,tier=back", "cluster", "cluster-1", "cluster", "cluster-2")));
    Set<String> onlyTwo = f.ids("namespace", ns, "labelSelector", "app=api", "cluster", "cluster-2");
    assertFalse(onlyTwo.isEmpty());
    assertTrue(onlyTwo.stream().allMatch(id -> id.startsWith("cluster-2/")), onlyTwo.toString());
  }

  /** Pods (they stay Pending: no scheduler) with varied fields in both clusters. */
  private Map<String, Pod> variedPods(String ns) {
    Map<String, Pod> byId = new TreeMap<>();
    for (String cluster : List.of("cluster-1", "cluster-2")) {
      KubernetesClient c = f.client(cluster);
      f.awaitServiceAccount(c, ns);
      for (int i = 0; i < 6; i++) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName((i % 2 == 0 ? "web-" : "db-") + i)
            .addToLabels("app", i % 2 == 0 ? "web" : "db")
            .addToAnnotations("example.com/note", i % 3 == 0 ? "it's a 'note'; DROP TABLE objects" : "plain")
            .endMetadata().withNewSpec().addNewContainer().withName("c")
            .withImage(i % 3 == 0 ? "nginx:1" : i % 3 == 1 ? "busybox:1" : "registry.k8s.io/pause:3.9")
            .endContainer().endSpec();
        if (i != 5) {
          b.editSpec().withActiveDeadlineSeconds(10L * (i + 1)).endSpec();
        }
        Pod p = c.pods().inNamespace(ns).resource(b.build()).create();
        byId.put(cluster + "/" + ns + "/" + p.getMetadata().getName(), p);
      }
    }
    f.awaitIds(byId.keySet(), "namespace", ns, "resource", "pods");
    return byId;
  }

  @Test
  void fieldConditionsMatchWhatTheApiserversObjectsHold() {
    String ns = f.namespace("fields");
    Map<String, Pod> pods = variedPods(ns);
    Instant third = pods.values().stream().map(p -> Instant.parse(p.getMetadata().getCreationTimestamp()))
        .sorted().toList().get(3);
    Map<String, Predicate<Pod>> cases = new LinkedHashMap<>();
    cases.put("status.phase=Pending", p -> "Pending".equals(p.getStatus().getPhase()));
    cases.put("status.phase!=Pending", p -> !"Pending".equals(p.getStatus().getPhase()));
    cases.put("spec.activeDeadlineSeconds>25", p -> ads(p) != null && ads(p) > 25);
    cases.put("spec.activeDeadlineSeconds>=20", p -> ads(p) != null && ads(p) >= 20);
    cases.put("spec.activeDeadlineSeconds<30", p -> ads(p) != null && ads(p) < 30);
    cases.put("spec.activeDeadlineSeconds<=10", p -> ads(p) != null && ads(p) <= 10);
    cases.put("spec.activeDeadlineSeconds=40", p -> ads(p) != null && ads(p) == 40);
    cases.put("spec.activeDeadlineSeconds>1e1", p -> ads(p) != null && ads(p) > 10);
    cases.put("spec.activeDeadlineSeconds", p -> ads(p) != null);
    cases.put("!spec.activeDeadlineSeconds", p -> ads(p) == null);
    cases.put("spec.containers[0].image~box", p -> image(p).contains("box"));
    cases.put("spec.containers[0].image in (nginx:1, busybox:1)", p -> Set.of("nginx:1", "busybox:1")
        .contains(image(p)));
    cases.put("spec.containers[0].image notin (nginx:1)", p -> !image(p).equals("nginx:1"));
    cases.put("spec.enableServiceLinks=true", p -> Boolean.TRUE.equals(p.getSpec().getEnableServiceLinks()));
    cases.put("spec.containers[0].name=c", p -> true);
    cases.put("metadata.annotations[\"example.com/note\"]=it's a 'note'; DROP TABLE objects",
        p -> p.getMetadata().getAnnotations().get("example.com/note").startsWith("it's"));
    cases.put("metadata.annotations[\"example.com/note\"]~'; DROP",
        p -> p.getMetadata().getAnnotations().get("example.com/note").startsWith("it's"));
    cases.put("metadata.annotations[\"example.com/none\"]!=x", p -> true);
    cases.put("metadata.creationTimestamp>=" + third, p -> !created(p).isBefore(third));
    cases.put("metadata.creationTimestamp<" + third, p -> created(p).isBefore(third));
    cases.put("status.phase>1", p -> false);
    for (var e : cases.entrySet()) {
      Set<String> expected = ids(pods, e.getValue());
      assertEquals(expected, new java.util.TreeSet<>(f.ids("namespace", ns, "resource", "pods", "field",
          e.getKey())), "field " + e.getKey());
    }

    // Combinations: several conditions, a label selector, a name substring, clusters, created bounds.
    assertEquals(ids(pods, p -> ads(p) != null && ads(p) >= 20 && image(p).contains("box")
            && p.getMetadata().getName().startsWith("db")),
        new java.util.TreeSet<>(f.ids("namespace", ns, "resource", "pods", "field", "spec.activeDeadlineSeconds>=20",
            "field", "spec.containers[0].image~box", "labelSelector", "app=db", "nameContains", "b-")));
    assertEquals(ids(pods, p -> !created(p).isBefore(third) && ads(p) != null),
        new java.util.TreeSet<>(f.ids("namespace", ns, "createdSince", third.toString(), "kind", "Pod",
            "field", "spec.activeDeadlineSeconds", "cluster", "cluster-1", "cluster", "cluster-2")));
    assertEquals(ids(pods, p -> created(p).isBefore(third)),
        new java.util.TreeSet<>(f.ids("namespace", ns, "resource", "pods", "createdBefore", third.toString())));
  }

  private static Long ads(Pod p) {
    return p.getSpec().getActiveDeadlineSeconds();
  }

  private static String image(Pod p) {
    return p.getSpec().getContainers().getFirst().getImage();
  }

  private static Instant created(Pod p) {
    return Instant.parse(p.getMetadata().getCreationTimestamp());
  }

  private static Set<String> ids(Map<String, Pod> pods, Predicate<Pod> match) {
    return pods.entrySet().stream().filter(e -> match.test(e.getValue())).map(Map.Entry::getKey)
        .collect(Collectors.toCollection(java.util.TreeSet::new));
  }

  @Test
  void descendantsFollowThreeOwnerLevelsSetByTheControllerManager() {
    String ns = f.namespace("owners");
    Map<String, Deployment> deployments = new HashMap<>();
    for (String cluster : List.of("cluster-1", "cluster-2")) {
      KubernetesClient c = f.client(cluster);
      f.awaitServiceAccount(c, ns);
      deployments.put(cluster, c.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
          .withNewMetadata().withName("web").endMetadata().withNewSpec().withReplicas(2)
          .withNewSelector().addToMatchLabels("app", "web").endSelector().withNewTemplate().withNewMetadata()
          .addToLabels("app", "web").endMetadata().withNewSpec().addNewContainer().withName("c")
          .withImage("registry.k8s.io/pause:3.9").endContainer().endSpec().endTemplate().endSpec().build())
          .create());
    }
    KubernetesClient c = f.c1;
    Deployment d = deployments.get("cluster-1");
    Await.until(QueryFixture.MIRRORED, "2 pods created by the controllers",
        () -> c.pods().inNamespace(ns).list().getItems().size() == 2);
    ReplicaSet rs = c.apps().replicaSets().inNamespace(ns).list().getItems().getFirst();
    assertEquals(d.getMetadata().getUid(), rs.getMetadata().getOwnerReferences().getFirst().getUid());
    List<Pod> pods = c.pods().inNamespace(ns).list().getItems();
    assertEquals(rs.getMetadata().getUid(), pods.getFirst().getMetadata().getOwnerReferences().getFirst().getUid());
    // A fourth level, owned by a pod.
    Pod first = pods.getFirst();
    ConfigMap owned = c.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("owned-by-pod").addNewOwnerReference().withApiVersion("v1").withKind("Pod")
        .withName(first.getMetadata().getName()).withUid(first.getMetadata().getUid()).endOwnerReference()
        .endMetadata().build()).create();

    List<HasMetadata> below = new ArrayList<>(pods);
    below.add(rs);
    below.add(owned);
    f.awaitIds(ids("cluster-1", below), "descendantsOf", d.getMetadata().getUid());
    assertEquals(uids(below), uids(f.queryAll("descendantsOf", d.getMetadata().getUid())));
    assertEquals(ids("cluster-1", pods), f.ids("descendantsOf", d.getMetadata().getUid(), "resource", "pods"));
    assertEquals(ids("cluster-1", List.of(rs)), f.ids("ownerUid", d.getMetadata().getUid()));
    List<HasMetadata> belowRs = new ArrayList<>(pods);
    belowRs.add(owned);
    assertEquals(ids("cluster-1", belowRs), f.ids("descendantsOf", rs.getMetadata().getUid()));
    assertEquals(ids("cluster-1", List.of(owned)), f.ids("descendantsOf", first.getMetadata().getUid()));
    assertEquals(Set.of(), f.ids("descendantsOf", owned.getMetadata().getUid()));

    // Scaling up: the new pod is a descendant too; the other cluster's deployment has its own.
    c.apps().deployments().inNamespace(ns).withName("web").scale(3);
    Await.until(QueryFixture.MIRRORED, "3 pods", () -> c.pods().inNamespace(ns).list().getItems().size() == 3);
    f.awaitIds(ids("cluster-1", c.pods().inNamespace(ns).list().getItems()), "descendantsOf",
        d.getMetadata().getUid(), "resource", "pods");
    Deployment d2 = deployments.get("cluster-2");
    Await.until(QueryFixture.MIRRORED, "cluster-2 pods",
        () -> f.c2.pods().inNamespace(ns).list().getItems().size() == 2);
    f.awaitIds(ids("cluster-2", f.c2.pods().inNamespace(ns).list().getItems()), "descendantsOf",
        d2.getMetadata().getUid(), "kind", "Pod");
  }

  private static Set<String> ids(String cluster, List<? extends HasMetadata> objects) {
    return objects.stream().map(o -> cluster + "/" + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName())
        .collect(Collectors.toCollection(java.util.TreeSet::new));
  }

  private static Set<String> uids(List<? extends HasMetadata> objects) {
    return objects.stream().map(o -> o.getMetadata().getUid()).collect(Collectors.toSet());
  }

  private static Set<String> uids(Iterable<JsonNode> items) {
    Set<String> out = new java.util.HashSet<>();
    items.forEach(i -> out.add(i.at("/metadata/uid").asText()));
    return out;
  }

  @Test
  void aggregationsCountWhatTheApiserversList() {
    String ns = f.namespace("aggregate");
    Map<String, Pod> pods = variedPods(ns);
    Map<List<String>, Long> expected = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
    pods.forEach((id, p) -> expected.merge(List.of(id.substring(0, id.indexOf('/')), p.getStatus().getPhase()),
        1L, Long::sum));
    JsonNode byPhase = f.ok("/api/v1/aggregate", "namespace", ns, "resource", "pods",
        "groupBy", "cluster,path:status.phase");
    assertEquals(expected, groups(byPhase, "cluster", "path:status.phase"));
    assertEquals(List.of("cluster", "path:status.phase"), List.of(byPhase.at("/groupBy/0").asText(),
        byPhase.at("/groupBy/1").asText()));
    assertFalse(byPhase.path("truncated").asBoolean());

    // Per label value, with the objects lacking it under null; per kind across two resources.
    Map<List<String>, Long> byImage = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
    pods.values().forEach(p -> byImage.merge(java.util.Collections.singletonList(image(p)), 1L, Long::sum));
    assertEquals(byImage, groups(f.ok("/api/v1/aggregate", "namespace", ns, "groupBy",
        "path:spec.containers[0].image", "resource", "pods"), "path:spec.containers[0].image"));
    Map<List<String>, Long> byApp = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
    pods.values().forEach(p -> byApp.merge(List.of(p.getMetadata().getLabels().get("app")), 1L, Long::sum));
    long configMaps = 0;
    for (String cluster : List.of("cluster-1", "cluster-2")) {
      configMaps += f.client(cluster).configMaps().inNamespace(ns).list().getItems().size();
    }
    byApp.put(java.util.Collections.singletonList(null), configMaps);
    JsonNode byLabel = f.ok("/api/v1/aggregate", "namespace", ns, "groupBy", "label:app");
    assertEquals(byApp, groups(byLabel, "label:app"));
    assertTrue(byLabel.at("/groups/" + (byLabel.path("groups").size() - 1) + "/keys/label:app").isNull(),
        "null group last");
    assertEquals(Map.of(List.of("ConfigMap"), configMaps, List.of("Pod"), (long) pods.size()),
        groups(f.ok("/api/v1/aggregate", "namespace", ns, "groupBy", "kind"), "kind"));

    // A limit smaller than the number of groups truncates.
    JsonNode truncated = f.ok("/api/v1/aggregate", "namespace", ns, "resource", "pods", "groupBy",
        "cluster,label:app", "limit", "1");
    assertEquals(1, truncated.path("groups").size());
    assertTrue(truncated.path("truncated").asBoolean());
  }

  private static Map<List<String>, Long> groups(JsonNode result, String... names) {
    Map<List<String>, Long> out = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
    for (JsonNode g : result.path("groups")) {
      List<String> key = new ArrayList<>();
      for (String n : names) {
        key.add(g.path("keys").path(n).isNull() ? null : g.path("keys").path(n).asText());
      }
      out.put(key, g.path("count").asLong());
    }
    return out;
  }
}
