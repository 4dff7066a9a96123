package io.kubebackend.api.kubesys;

import static io.kubebackend.api.kubesys.KubesysAsserts.assertFails;
import static io.kubebackend.api.kubesys.KubesysAsserts.assertOk;
import static io.kubebackend.api.kubesys.KubesysAsserts.unique;
import static io.kubebackend.api.kubesys.KubesysFixture.configMap;
import static io.kubebackend.api.kubesys.KubesysFixture.deployment;
import static io.kubebackend.api.kubesys.KubesysFixture.key;
import static io.kubebackend.api.kubesys.KubesysFixture.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.ObjectKey;
import io.kubebackend.testing.Await;
import io.kubebackend.testing.KubesysClient;
import io.kubebackend.testing.KubesysClient.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code /kubesys/kube/*} against the real local clusters: writes reach the apiserver and are readable from the
 * database as soon as they return; reads filter, count and page; apiserver errors keep their meaning. Run on
 * PostgreSQL and on SQLite by the subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KubesysKubeContract {
  KubesysFixture f;
  String ns;

  abstract Dialect dialect();

  @BeforeAll
  void start() {
    f = KubesysFixture.shared(dialect());
    ns = f.ns;
  }

  @Test
  void writesGoToTheApiserverAndAreReadableAtOnce() {
    String name = unique("cm");
    Reply created = f.kube("createResource", write("cluster-1", configMap(ns, name, Map.of("k", "v1"))));
    assertOk(created);
    assertEquals(name, created.data().path("metadata").path("name").asText());
    String rv = created.data().path("metadata").path("resourceVersion").asText();
    assertFalse(rv.isEmpty());
    assertNotNull(f.cluster1.configMaps().inNamespace(ns).withName(name).get());
    assertNull(f.cluster2.configMaps().inNamespace(ns).withName(name).get());

    Reply got = f.kube("getResource", key("ConfigMap", ns, name, "cluster-1"));
    assertOk(got);
    assertEquals(rv, got.data().path("metadata").path("resourceVersion").asText());
    assertFails(404, f.kube("getResource", key("ConfigMap", ns, name, "cluster-2")));

    Reply updated = f.kube("updateResource", write("cluster-1", configMap(ns, name, Map.of("k", "v2"))));
    assertOk(updated);
    assertEquals("v2", f.kube("getResource", key("ConfigMap", ns, name, "cluster-1")).data().path("data")
        .path("k").asText());

    assertOk(f.kube("createOrUpdateResource", write("cluster-1", configMap(ns, name, Map.of("k", "v3")))));
    assertEquals("v3", f.kube("getResource", key("ConfigMap", ns, name, "cluster-1")).data().path("data")
        .path("k").asText());
    String second = unique("cm");
    assertOk(f.kube("createOrUpdateResource", write("cluster-1", configMap(ns, second, Map.of("k", "new")))));
    assertOk(f.kube("getResource", key("ConfigMap", ns, second, "cluster-1")));

    Reply deleted = f.kube("deleteResource", key("ConfigMap", ns, name, "cluster-1"));
    assertOk(deleted);
    assertFails(404, f.kube("getResource", key("ConfigMap", ns, name, "cluster-1")));
    assertNull(f.cluster1.configMaps().inNamespace(ns).withName(name).get());
    assertOk(f.kube("deleteResource", key("ConfigMap", ns, second, "cluster-1")));
  }

  @Test
  void eachRegionIsItsOwnCluster() {
    String name = unique("only-in-2");
    assertOk(f.kube("createResource", write("cluster-2", configMap(ns, name, Map.of()))));
    assertNotNull(f.cluster2.configMaps().inNamespace(ns).withName(name).get());
    assertNull(f.cluster1.configMaps().inNamespace(ns).withName(name).get());
    Map<String, Object> byName = Map.of("metadata##name", name);
    assertEquals(1, f.kube("countResources", Map.of("fullkind", "ConfigMap", "labels", byName, "region",
        "cluster-2")).data().asLong());
    assertEquals(0, f.kube("countResources", Map.of("fullkind", "ConfigMap", "labels", byName, "region",
        "cluster-1")).data().asLong());
    assertOk(f.kube("deleteResource", key("ConfigMap", ns, name, "cluster-2")));
  }

  @Test
  void deploymentPodsListByLabelPageAndCount() {
    String app = unique("web");
    String name = unique("deploy");
    Reply created = f.kube("createResource", write("cluster-1", deployment(ns, name, 3, app)));
    assertOk(created);
    String firstVersion = created.data().path("metadata").path("resourceVersion").asText();
    assertOk(f.kube("getResource", key("apps.Deployment", ns, name, "cluster-1")));

    Map<String, Object> byApp = Map.of("metadata##labels##app", app);
    Map<String, Object> count = Map.of("fullkind", "Pod", "labels", byApp, "region", "cluster-1");
    long deadline = System.currentTimeMillis() + 120_000;
    while (f.kube("countResources", count).data().asLong() < 3 && System.currentTimeMillis() < deadline) {
      KubesysFixture.sleep(250);
    }
    assertEquals(3, f.kube("countResources", count).data().asLong());

    List<String> names = new ArrayList<>();
    for (int page = 1; page <= 3; page++) {
      Reply r = f.kube("listResources", Map.of("fullkind", "Pod", "page", page, "limit", 2, "labels", byApp,
          "region", "cluster-1"));
      assertOk(r);
      JsonNode list = r.data();
      assertEquals("v1", list.path("apiVersion").asText());
      assertEquals("PodList", list.path("kind").asText());
      assertEquals(3, list.path("metadata").path("totalCount").asInt());
      assertEquals(page, list.path("metadata").path("currentPage").asInt());
      assertEquals(2, list.path("metadata").path("totalPage").asInt());
      assertEquals(2, list.path("metadata").path("itemsPerPage").asInt());
      assertEquals(page == 1 ? 2 : page == 2 ? 1 : 0, list.path("items").size());
      list.path("items").forEach(p -> names.add(p.path("metadata").path("name").asText()));
    }
    assertEquals(names.stream().sorted().toList(), names, "sorted by namespace, then name");
    assertEquals(3, names.stream().distinct().count());

    // Labels are ANDed substrings; % and _ are plain characters.
    assertEquals(3, f.kube("countResources", Map.of("fullkind", "Pod", "region", "cluster-1", "labels", Map.of(
        "metadata##labels##app", app.substring(2), "metadata##namespace", ns))).data().asLong());
    assertEquals(0, f.kube("countResources", Map.of("fullkind", "Pod", "region", "cluster-1", "labels", Map.of(
        "metadata##labels##app", app, "metadata##name", "no-such-pod"))).data().asLong());
    for (String wildcard : List.of("%", "_", "web%", "w_b")) {
      assertEquals(0, f.kube("countResources", Map.of("fullkind", "Pod", "region", "cluster-1", "labels", Map.of(
          "metadata##labels##app", wildcard, "metadata##namespace", ns))).data().asLong(), wildcard);
    }
    assertEquals(3, f.kube("countResources", Map.of("fullkind", "Pod", "region", "cluster-1", "labels", Map.of(
        "spec##containers##0##image", "nginx:1.27", "metadata##labels##app", app))).data().asLong());

    JsonNode current = f.kube("getResource", key("apps.Deployment", ns, name, "cluster-1")).data();
    ObjectNode scaled = current.deepCopy();
    ((ObjectNode) scaled.path("spec")).put("replicas", 1);
    // Unconditional: the controller may have updated the status since the read.
    ((ObjectNode) scaled.path("metadata")).remove("resourceVersion");
    assertOk(f.kube("updateResource", write("cluster-1", scaled)));
    assertEquals(1, f.kube("getResource", key("apps.Deployment", ns, name, "cluster-1")).data().path("spec")
        .path("replicas").asInt());

    ObjectNode stale = deployment(ns, name, 2, app);
    ((ObjectNode) stale.path("metadata")).put("resourceVersion", firstVersion);
    assertFails(409, f.kube("updateResource", write("cluster-1", stale)));

    assertOk(f.kube("deleteResource", key("apps.Deployment", ns, name, "cluster-1")));
    assertFails(404, f.kube("getResource", key("apps.Deployment", ns, name, "cluster-1")));
  }

  @Test
  void namespacedObjectsWithoutANamespaceGoToDefault() {
    String name = unique("nsless");
    try {
      ObjectNode cm = configMap(ns, name, Map.of("k", "v1"));
      ((ObjectNode) cm.path("metadata")).remove("namespace");
      Reply created = f.kube("createResource", write("cluster-1", cm));
      assertOk(created);
      assertEquals("default", created.data().path("metadata").path("namespace").asText());
      assertEquals("v1", f.cluster1.configMaps().inNamespace("default").withName(name).get().getData().get("k"));

      ObjectNode update = configMap(ns, name, Map.of("k", "v2"));
      ((ObjectNode) update.path("metadata")).remove("namespace");
      assertOk(f.kube("updateResource", write("cluster-1", update)));
      assertEquals("v2", f.cluster1.configMaps().inNamespace("default").withName(name).get().getData().get("k"));

      ObjectNode upsert = configMap(ns, name, Map.of("k", "v3"));
      ((ObjectNode) upsert.path("metadata")).remove("namespace");
      assertOk(f.kube("createOrUpdateResource", write("cluster-1", upsert)));
      assertEquals("v3", f.cluster1.configMaps().inNamespace("default").withName(name).get().getData().get("k"));
      assertNull(f.cluster1.configMaps().inNamespace(ns).withName(name).get(), "nothing in the fixture namespace");
      assertOk(f.kube("getResource", key("ConfigMap", "default", name, "cluster-1")));
    } finally {
      f.cluster1.configMaps().inNamespace("default").withName(name).delete();
    }
  }

  @Test
  void updateWithoutAResourceVersionReplacesEvenCustomResources() {
    // Custom resources refuse an update without metadata.resourceVersion (422); kubesys's update is unconditional.
    String group = "kb" + unique("g").replace("-", "") + ".example.com";
    var crd = new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName("widgets." + group).endMetadata()
        .withNewSpec().withGroup(group).withScope("Namespaced")
        .withNewNames().withKind("Widget").withPlural("widgets").withSingular("widget").endNames()
        .addNewVersion().withName("v1").withServed(true).withStorage(true).withNewSchema()
        .withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true).endOpenAPIV3Schema()
        .endSchema().endVersion().endSpec().build();
    f.cluster1.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    try {
      String name = unique("w");
      ObjectNode widget = KubesysClient.JSON.createObjectNode().put("apiVersion", group + "/v1").put("kind", "Widget");
      widget.putObject("metadata").put("name", name).put("namespace", ns);
      widget.putObject("spec").put("size", 1);
      Await.until(Duration.ofSeconds(60), "the new kind is writable",
          () -> f.kube("createResource", write("cluster-1", widget)).code() == 20000);
      var widgets = f.cluster1.genericKubernetesResources(group + "/v1", "Widget").inNamespace(ns);
      String rv = widgets.withName(name).get().getMetadata().getResourceVersion();

      ((ObjectNode) widget.path("spec")).put("size", 2);
      Reply updated = f.kube("updateResource", write("cluster-1", widget));
      assertOk(updated);
      assertEquals(2, ((Number) ((Map<?, ?>) widgets.withName(name).get().getAdditionalProperties().get("spec"))
          .get("size")).intValue());
      assertFalse(rv.equals(updated.data().path("metadata").path("resourceVersion").asText()));

      // With a resourceVersion the update stays conditional: a stale one is the apiserver's 409.
      ((ObjectNode) widget.path("metadata")).put("resourceVersion", rv);
      ((ObjectNode) widget.path("spec")).put("size", 3);
      assertFails(409, f.kube("updateResource", write("cluster-1", widget)));
      // A conflict that no re-read can settle (another object's uid) is retried a bounded number of times.
      ((ObjectNode) widget.path("metadata")).remove("resourceVersion");
      ((ObjectNode) widget.path("metadata")).put("uid", UUID.randomUUID().toString());
      Reply gaveUp = f.kube("updateResource", write("cluster-1", widget));
      assertFails(409, gaveUp);
      assertTrue(gaveUp.message().contains("5 attempts"), gaveUp.message());
      assertEquals(2, ((Number) ((Map<?, ?>) widgets.withName(name).get().getAdditionalProperties().get("spec"))
          .get("size")).intValue(), "neither refused update changed the object");

      ((ObjectNode) widget.path("metadata")).remove("uid");
      ((ObjectNode) widget.path("spec")).put("size", 4);
      assertOk(f.kube("createOrUpdateResource", write("cluster-1", widget)));
      assertEquals(4, ((Number) ((Map<?, ?>) widgets.withName(name).get().getAdditionalProperties().get("spec"))
          .get("size")).intValue(), "createOrUpdate replaces without a resourceVersion too");
    } finally {
      f.cluster1.apiextensions().v1().customResourceDefinitions().withName("widgets." + group).delete();
    }
  }

  @Test
  void apiserverErrorsKeepTheirMeaningAndChangeNothing() {
    String name = unique("cm");
    assertOk(f.kube("createResource", write("cluster-1", configMap(ns, name, Map.of()))));
    KubesysFixture.State before = f.state();
    assertFails(409, f.kube("createResource", write("cluster-1", configMap(ns, name, Map.of("x", "y")))));
    assertFails(404, f.kube("updateResource", write("cluster-1", configMap(ns, unique("absent"), Map.of()))));
    assertFails(404, f.kube("deleteResource", key("ConfigMap", ns, unique("absent"), "cluster-1")));
    assertFails(422, f.kube("createResource", write("cluster-1", configMap(ns, "Bad_Name", Map.of()))));
    ObjectNode invalid = deployment(ns, unique("deploy"), 1, "a");
    ((ObjectNode) invalid.path("spec")).put("replicas", -1);
    assertFails(422, f.kube("createResource", write("cluster-1", invalid)));
    assertFails(404, f.kube("createResource", write("cluster-1", configMap(unique("no-ns"), "x", Map.of()))));
    f.assertUnchanged(before);
    assertOk(f.kube("deleteResource", key("ConfigMap", ns, name, "cluster-1")));
  }

  @Test
  void getMetaListsEveryKindTheClusterServes() {
    Reply r = f.kube("getMeta", Map.of("region", "cluster-1"));
    assertOk(r);
    JsonNode deploy = r.data().path("apps.Deployment");
    assertEquals("apps/v1", deploy.path("apiVersion").asText());
    assertEquals("Deployment", deploy.path("kind").asText());
    assertEquals("deployments", deploy.path("plural").asText());
    List<String> verbs = new ArrayList<>();
    deploy.path("verbs").forEach(v -> verbs.add(v.asText()));
    assertTrue(verbs.containsAll(List.of("create", "get", "list", "watch", "update", "delete")), verbs.toString());
    assertEquals("pods", r.data().path("Pod").path("plural").asText());
    assertEquals("v1", r.data().path("Service").path("apiVersion").asText(), "served though not mirrored");
    assertEquals("clusterroles", r.data().path("rbac.authorization.k8s.io.ClusterRole").path("plural").asText());
    assertEquals("[\"create\"]", r.data().path("authentication.k8s.io.TokenReview").path("verbs").toString());
  }

  @Test
  void kindsServedButNotMirroredAreWritableNotReadable() {
    String name = unique("svc");
    ObjectNode svc = KubesysClient.JSON.createObjectNode();
    svc.put("apiVersion", "v1").put("kind", "Service");
    svc.putObject("metadata").put("name", name).put("namespace", ns);
    svc.putObject("spec").putArray("ports").addObject().put("port", 80);
    assertOk(f.kube("createResource", write("cluster-1", svc)));
    assertNotNull(f.cluster1.services().inNamespace(ns).withName(name).get());
    Reply get = f.kube("getResource", key("Service", ns, name, "cluster-1"));
    assertFails(404, get);
    assertTrue(get.message().contains("mirrored"), get.message());
    assertOk(f.kube("deleteResource", key("Service", ns, name, "cluster-1")));
  }

  @Test
  void clusterScopedGroupedKinds() {
    String name = unique("kb-test-role");
    ObjectNode role = KubesysClient.JSON.createObjectNode();
    role.put("apiVersion", "rbac.authorization.k8s.io/v1").put("kind", "ClusterRole");
    role.putObject("metadata").put("name", name);
    ObjectNode rule = role.putArray("rules").addObject();
    rule.putArray("apiGroups").add("");
    rule.putArray("resources").add("pods");
    rule.putArray("verbs").add("get");
    assertOk(f.kube("createResource", write("cluster-1", role)));
    Reply got = f.kube("getResource", Map.of("fullkind", "rbac.authorization.k8s.io.ClusterRole", "name", name,
        "region", "cluster-1"));
    assertOk(got);
    assertEquals(name, got.data().path("metadata").path("name").asText());
    assertOk(f.kube("deleteResource", Map.of("fullkind", "rbac.authorization.k8s.io.ClusterRole", "name", name,
        "namespace", "", "region", "cluster-1")));
    assertFails(404, f.kube("getResource", Map.of("fullkind", "rbac.authorization.k8s.io.ClusterRole", "name", name,
        "region", "cluster-1")));
    assertTrue(f.store().get(new ObjectKey("cluster-1", "rbac.authorization.k8s.io", "clusterroles", "", name))
        .isEmpty());
  }
}
