package io.kubebackend.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.Await;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestServers;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The three front doors of the one query engine (the kubesys list, the native list and {@code /api/v1/query}) give
 * the same objects for the same condition, strings, booleans, numbers and array positions included, on this
 * database. The expected names come from how this test made the objects.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractFrontDoorsIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  abstract Dialect dialect();

  private RunningBackend kb;
  private KubernetesClient direct;
  private final String ns = "doors-" + UUID.randomUUID().toString().substring(0, 6);

  /** name, tier label, paused, revisionHistoryLimit, image */
  private record Made(String name, String tier, Boolean paused, int history, String image) {}

  private static final List<Made> MADE = List.of(new Made("d1", "gold", true, 3, "nginx:1"),
      new Made("d2", "silver", null, 5, "nginx:2"), new Made("d3", "gold", true, 3, "busybox:1"),
      new Made("d4", "bronze", false, 7, "nginx:1"));

  @BeforeAll
  void start() {
    ClusterSpec c1 = new ClusterSpec("cluster-1", TestServers.kubeconfig(1).toString(), null, null, null, null, null,
        List.of("namespaces", "deployments.apps"), List.of(), false, false);
    direct = ClusterClients.connect(c1);
    direct.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    for (Made m : MADE) {
      Deployment d = new DeploymentBuilder().withNewMetadata().withName(m.name()).withNamespace(ns)
          .addToLabels("tier", m.tier()).endMetadata().withNewSpec().withReplicas(0).withPaused(m.paused())
          .withRevisionHistoryLimit(m.history()).withNewSelector().addToMatchLabels("app", m.name()).endSelector()
          .withNewTemplate().withNewMetadata().addToLabels("app", m.name()).endMetadata().withNewSpec()
          .addNewContainer().withName("c").withImage(m.image()).endContainer().endSpec().endTemplate().endSpec()
          .build();
      direct.apps().deployments().inNamespace(ns).resource(d).create();
    }
    kb = RunningBackend.start(dialect(), c1);
    Await.until(Duration.ofSeconds(90), "the deployments mirrored", () -> names(kb.get(
        "/api/v1/clusters/cluster-1/apis/apps/v1/namespaces/" + ns + "/deployments").body()).size() == MADE.size());
  }

  @AfterAll
  void stop() {
    direct.namespaces().withName(ns).delete();
    direct.close();
    kb.close();
  }

  private static Set<String> names(String listJson) {
    try {
      JsonNode root = JSON.readTree(listJson);
      JsonNode items = root.has("data") ? root.path("data").path("items") : root.path("items");
      Set<String> out = new TreeSet<>();
      items.forEach(i -> out.add(i.path("metadata").path("name").asText()));
      return out;
    } catch (IOException e) {
      throw new AssertionError(listJson, e);
    }
  }

  private Set<String> kubesys(Map<String, Object> labels) {
    Map<String, Object> all = new java.util.HashMap<>(labels);
    all.put("metadata##namespace", ns);
    String token = RunningBackend.login(kb.backend().port(), "admin", RunningBackend.ADMIN_PASSWORD);
    try {
      var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(kb.url("/kubesys/kube/listResources")))
          .header("authorization", "Bearer " + token).header("user", "admin")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("region",
              "cluster-1", "fullkind", "apps.Deployment", "limit", 100, "labels", all))));
      var r = kb.send(req);
      assertEquals(200, r.statusCode(), r.body());
      return names(r.body());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private Set<String> query(String params) {
    var r = kb.get("/api/v1/query?cluster=cluster-1&group=apps&resource=deployments&namespace=" + ns + "&" + params);
    assertEquals(200, r.statusCode(), r.body());
    return names(r.body());
  }

  private Set<String> nativeList(String params) {
    var r = kb.get("/api/v1/clusters/cluster-1/apis/apps/v1/namespaces/" + ns + "/deployments?" + params);
    assertEquals(200, r.statusCode(), r.body());
    return names(r.body());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static Set<String> expected(java.util.function.Predicate<Made> p) {
    Set<String> out = new TreeSet<>();
    MADE.stream().filter(p).forEach(m -> out.add(m.name()));
    return out;
  }

  @Test
  void aLabelIsTheSameThroughEveryDoor() {
    Set<String> gold = expected(m -> m.tier().equals("gold"));
    assertEquals(gold, kubesys(Map.of("metadata##labels##tier", "gold")));
    assertEquals(gold, query("labelSelector=" + enc("tier=gold")));
    assertEquals(gold, nativeList("labelSelector=" + enc("tier=gold")));
    Set<String> notGold = expected(m -> !m.tier().equals("gold"));
    assertEquals(notGold, query("labelSelector=" + enc("tier!=gold")));
    assertEquals(notGold, nativeList("labelSelector=" + enc("tier notin (gold)")));
  }

  @Test
  void aBooleanIsItsJsonTextOnBothDatabases() {
    Set<String> paused = expected(m -> Boolean.TRUE.equals(m.paused()));
    assertEquals(paused, kubesys(Map.of("spec##paused", true)));
    assertEquals(paused, kubesys(Map.of("spec##paused", "true")));
    assertEquals(paused, query("field=" + enc("spec.paused=true")));
    // The apiserver omits a false spec.paused (omitempty), so false matches nothing, through either door.
    assertEquals(Set.of(), kubesys(Map.of("spec##paused", false)));
    assertEquals(Set.of(), query("field=" + enc("spec.paused=false")));
    assertEquals(expected(m -> !Boolean.TRUE.equals(m.paused())), query("field=" + enc("!spec.paused")));
  }

  @Test
  void aNumberIsItsJsonText() {
    Set<String> three = expected(m -> m.history() == 3);
    assertEquals(three, kubesys(Map.of("spec##revisionHistoryLimit", 3)));
    assertEquals(three, query("field=" + enc("spec.revisionHistoryLimit=3")));
    assertEquals(expected(m -> m.history() > 4), query("field=" + enc("spec.revisionHistoryLimit>4")));
  }

  @Test
  void digitsArePositionsInAnArray() {
    Set<String> nginx = expected(m -> m.image().startsWith("nginx"));
    assertEquals(nginx, kubesys(Map.of("spec##template##spec##containers##0##image", "nginx")));
    assertEquals(nginx, query("field=" + enc("spec.template.spec.containers[0].image~nginx")));
    assertEquals(Set.of(), kubesys(Map.of("spec##template##spec##containers##1##image", "nginx")));
  }
}
