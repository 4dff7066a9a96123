package io.kubebackend.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.Await;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestServers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Native object paths: writes through the apiserver, reads from the database, errors in one shape. */
abstract class AbstractNativeObjectsIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  abstract Dialect dialect();

  private RunningBackend kb;
  private KubernetesClient direct;
  private final String ns = "native-" + UUID.randomUUID().toString().substring(0, 8);
  private final String core = "/api/v1/clusters/cluster-1/api/v1";
  private final String apps = "/api/v1/clusters/cluster-1/apis/apps/v1";

  @BeforeEach
  void setUp() {
    ClusterSpec c1 = ClusterSpec.fromKubeconfig("cluster-1", TestServers.kubeconfig(1).toString(), null);
    kb = RunningBackend.start(dialect(), c1);
    direct = ClusterClients.connect(c1);
    Await.until(Duration.ofSeconds(60), "cluster-1 mirrored", () ->
        kb.get(core + "/namespaces/default").statusCode() == 200);
  }

  @AfterEach
  void tearDown() {
    direct.namespaces().withName(ns).delete();
    direct.close();
    kb.close();
  }

  private static JsonNode json(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + r.body(), e);
    }
  }

  /**
   * The rows of a namespace that the test's requests made: the controllers add each new namespace's
   * {@code kube-root-ca.crt} and {@code default} ServiceAccount at a time of their own.
   */
  private long rowsIn(String namespace) {
    try (var c = kb.backend().database().connection();
         var ps = c.prepareStatement("SELECT COUNT(*) FROM objects WHERE cluster = 'cluster-1' AND namespace = ?"
             + " AND name NOT IN ('kube-root-ca.crt', 'default')")) {
      ps.setString(1, namespace);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertStatus(int expected, HttpResponse<String> r) {
    assertEquals(expected, r.statusCode(), r.body());
  }

  @Test
  void writesGoToTheApiserverAndReadsSeeThemAtOnce() {
    assertStatus(201, kb.post(core + "/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\"}}"));
    assertStatus(200, kb.get(core + "/namespaces/" + ns));

    HttpResponse<String> created = kb.post(core + "/namespaces/" + ns + "/configmaps",
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm\"},\"data\":{\"k\":\"v1\",\"keep\":\"x\"}}");
    assertStatus(201, created);
    String rv = json(created).at("/metadata/resourceVersion").asText();
    JsonNode read = json(kb.get(core + "/namespaces/" + ns + "/configmaps/cm"));
    assertEquals(rv, read.at("/metadata/resourceVersion").asText(), "read-your-writes, in the mirror's versions");
    assertEquals(direct.configMaps().inNamespace(ns).withName("cm").get().getMetadata().getResourceVersion(),
        json(created).at("/metadata/annotations/kubebackend.io~1cluster-resource-version").asText(),
        "the cluster's own resourceVersion beside it");

    HttpResponse<String> updated = kb.put(core + "/namespaces/" + ns + "/configmaps/cm",
        "{\"metadata\":{\"name\":\"cm\"},\"data\":{\"k\":\"v2\"}}");
    assertStatus(200, updated);
    assertEquals("v2", json(kb.get(core + "/namespaces/" + ns + "/configmaps/cm")).at("/data/k").asText());
    assertTrue(json(kb.get(core + "/namespaces/" + ns + "/configmaps/cm")).at("/data/keep").isMissingNode(),
        "PUT replaces");

    assertStatus(200, kb.patch(core + "/namespaces/" + ns + "/configmaps/cm", "application/merge-patch+json",
        "{\"data\":{\"m\":\"merged\"}}"));
    JsonNode merged = json(kb.get(core + "/namespaces/" + ns + "/configmaps/cm"));
    assertEquals("merged", merged.at("/data/m").asText());
    assertEquals("v2", merged.at("/data/k").asText());

    assertStatus(200, kb.patch(core + "/namespaces/" + ns + "/configmaps/cm", "application/json-patch+json",
        "[{\"op\":\"replace\",\"path\":\"/data/k\",\"value\":\"v3\"}]"));
    assertEquals("v3", json(kb.get(core + "/namespaces/" + ns + "/configmaps/cm")).at("/data/k").asText());

    HttpResponse<String> deleted = kb.delete(core + "/namespaces/" + ns + "/configmaps/cm");
    assertStatus(200, deleted);
    HttpResponse<String> gone = kb.get(core + "/namespaces/" + ns + "/configmaps/cm");
    assertStatus(404, gone);
    assertEquals("NotFound", json(gone).path("reason").asText());
  }

  @Test
  void strategicMergePatchMergesContainersByName() {
    assertStatus(201, kb.post(core + "/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\"}}"));
    String deployment = """
        {"metadata":{"name":"web","labels":{"app":"web"}},
         "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
          "template":{"metadata":{"labels":{"app":"web"}},
           "spec":{"containers":[{"name":"web","image":"nginx:1","ports":[{"containerPort":80}]},
                                 {"name":"side","image":"busybox:1"}]}}}}""";
    assertStatus(201, kb.post(apps + "/namespaces/" + ns + "/deployments", deployment));
    assertStatus(200, kb.patch(apps + "/namespaces/" + ns + "/deployments/web",
        "application/strategic-merge-patch+json",
        "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:2\"}]}}}}"));
    JsonNode containers = json(kb.get(apps + "/namespaces/" + ns + "/deployments/web"))
        .at("/spec/template/spec/containers");
    assertEquals(2, containers.size(), "the other container stays");
    assertEquals("nginx:2", containers.get(0).path("image").asText());
    assertEquals(80, containers.get(0).at("/ports/0/containerPort").asInt(), "fields not in the patch stay");
  }

  @Test
  void errorsHaveOneShapeAndChangeNothing() {
    assertStatus(201, kb.post(core + "/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\"}}"));
    String cms = core + "/namespaces/" + ns + "/configmaps";
    assertStatus(201, kb.post(cms, "{\"metadata\":{\"name\":\"cm\"},\"data\":{\"k\":\"v\"}}"));
    String before = direct.configMaps().inNamespace(ns).withName("cm").get().getMetadata().getResourceVersion();
    long rows = rowsIn(ns);

    record Case(int status, String reason, HttpResponse<String> response) {}
    Case[] cases = {
        new Case(409, "AlreadyExists", kb.post(cms, "{\"metadata\":{\"name\":\"cm\"}}")),
        new Case(422, "Invalid", kb.post(cms, "{\"metadata\":{\"name\":\"Not_Valid\"}}")),
        new Case(400, "BadRequest", kb.post(cms, "{not json")),
        new Case(400, "BadRequest", kb.post(cms, "[1,2]")),
        new Case(400, "BadRequest", kb.post(cms, "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"x\"}}")),
        new Case(400, "BadRequest", kb.post(cms, "{\"apiVersion\":\"v2\",\"metadata\":{\"name\":\"x\"}}")),
        new Case(400, "BadRequest", kb.post(cms, "{\"metadata\":{\"name\":\"x\",\"namespace\":\"other\"}}")),
        new Case(400, "BadRequest", kb.post(cms, "{\"metadata\":{}}")),
        new Case(400, "BadRequest", kb.put(cms + "/cm", "{\"metadata\":{\"name\":\"other\"}}")),
        new Case(422, "Invalid", kb.post(cms, "{\"metadata\":{\"name\":\"' OR 1=1 --\"}}")),
        new Case(415, "UnsupportedMediaType", kb.patch(cms + "/cm", null, "{\"data\":{\"k\":\"x\"}}")),
        new Case(400, "BadRequest", kb.patch(cms + "/cm", "application/json-patch+json", "{\"op\":\"x\"}")),
        new Case(404, "NotFound", kb.delete(cms + "/missing")),
        new Case(404, "NotFound", kb.post("/api/v1/clusters/nowhere/api/v1/namespaces/" + ns + "/configmaps",
            "{\"metadata\":{\"name\":\"x\"}}")),
        new Case(404, "NotFound", kb.post(core + "/namespaces/" + ns + "/nothings", "{\"metadata\":{\"name\":\"x\"}}")),
        new Case(404, "NotFound", kb.post(core + "/configmaps", "{\"metadata\":{\"name\":\"x\"}}")),
        new Case(401, "Unauthorized", kb.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create(kb.url(cms))).header("authorization", "Bearer wrong")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"metadata\":{\"name\":\"x\"}}")))),
    };
    for (Case c : cases) {
      assertEquals(c.status(), c.response().statusCode(), c.response().body());
      JsonNode body = json(c.response());
      assertEquals(c.status(), body.path("code").asInt(), c.response().body());
      assertEquals(c.reason(), body.path("reason").asText(), c.response().body());
      assertTrue(!body.path("message").asText().isBlank(), c.response().body());
    }
    assertEquals(before, direct.configMaps().inNamespace(ns).withName("cm").get().getMetadata().getResourceVersion());
    assertEquals(1, direct.configMaps().inNamespace(ns).list().getItems().stream()
        .filter(c -> !c.getMetadata().getName().equals("kube-root-ca.crt")).count(), "nothing created");
    assertEquals(rows, rowsIn(ns), "nothing stored");
  }

  @Test
  void readsNeedTheMirroredVersionAndListsPage() {
    assertStatus(201, kb.post(core + "/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\"}}"));
    String cms = core + "/namespaces/" + ns + "/configmaps";
    for (int i = 0; i < 7; i++) {
      assertStatus(201, kb.post(cms, "{\"metadata\":{\"name\":\"cm-" + i + "\"}}"));
    }
    // Any version string used to be accepted; an unserved one is a 404, as is a served one the mirror does not keep.
    for (String version : java.util.List.of("v2", "nonsense", "v1beta1")) {
      HttpResponse<String> r = kb.get("/api/v1/clusters/cluster-1/api/" + version + "/namespaces/" + ns
          + "/configmaps/cm-0");
      assertStatus(404, r);
    }
    assertStatus(404, kb.get("/api/v1/clusters/cluster-1/apis/apps/v1beta9/namespaces/" + ns + "/deployments"));
    // Paging: three pages of 3, 3 and 2 (with kube-root-ca.crt), each name exactly once.
    java.util.List<String> names = new java.util.ArrayList<>();
    String cont = null;
    int pages = 0;
    do {
      JsonNode page = json(kb.get(cms + "?limit=3" + (cont == null ? "" : "&continue=" + cont)));
      assertEquals("ConfigMapList", page.path("kind").asText());
      assertTrue(page.path("items").size() <= 3, page.toString());
      page.path("items").forEach(item -> names.add(item.at("/metadata/name").asText()));
      cont = page.at("/metadata/continue").asText(null);
      pages++;
    } while (cont != null && pages < 10);
    assertEquals(3, pages);
    assertEquals(names.stream().distinct().sorted().toList(), names.stream().sorted().toList(), "no duplicates");
    assertEquals(8, names.size(), names.toString());
    assertEquals(8, json(kb.get(cms)).path("items").size(), "without limit: everything");
    // A continue token belongs to its list.
    String token = json(kb.get(cms + "?limit=1")).at("/metadata/continue").asText();
    assertStatus(400, kb.get(core + "/configmaps?limit=1&continue=" + token));
    assertStatus(400, kb.get(cms + "?limit=1&continue=garbage"));
    assertEquals(8, json(kb.get(cms + "?limit=0")).path("items").size(), "limit=0: no limit, as on the apiserver");
    assertStatus(400, kb.get(cms + "?limit=-3"));
    assertEquals(8, json(kb.get(cms + "?limit=99999999999")).path("items").size(),
        "a huge limit is accepted, as on the apiserver (pages are capped)");
    assertStatus(400, kb.get(cms + "?limit=99999999999999999999999"));
  }
}
