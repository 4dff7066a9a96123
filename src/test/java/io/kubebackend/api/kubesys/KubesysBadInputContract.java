package io.kubebackend.api.kubesys;

import static io.kubebackend.api.kubesys.KubesysAsserts.assertFails;
import static io.kubebackend.api.kubesys.KubesysAsserts.assertOk;
import static io.kubebackend.api.kubesys.KubesysAsserts.unique;
import static io.kubebackend.api.kubesys.KubesysAsserts.with;
import static io.kubebackend.api.kubesys.KubesysAsserts.without;
import static io.kubebackend.api.kubesys.KubesysFixture.configMap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.KubesysClient.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Bad input to every {@code /kubesys/kube} endpoint: malformed bodies, missing fields, unknown regions and kinds,
 * SQL injection attempts in every string field, odd characters in names. Each gets its documented error (or,
 * for injections into search text, an empty result) and changes nothing in the clusters or the database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KubesysBadInputContract {
  static final List<String> INJECTIONS = List.of("' OR 1=1 --", "'; DROP TABLE objects; --", "\") OR (\"1\"=\"1",
      "x' UNION SELECT object FROM objects --", "*", "$", "$.metadata");
  static final List<String> WRITES = List.of("createResource", "updateResource", "createOrUpdateResource");
  static final List<String> ALL = List.of("createResource", "updateResource", "createOrUpdateResource",
      "deleteResource", "getResource", "listResources", "countResources", "getMeta");

  KubesysFixture f;
  String ns;
  String existing;

  abstract Dialect dialect();

  @BeforeAll
  void start() {
    f = KubesysFixture.shared(dialect());
    ns = f.ns;
    existing = unique("existing");
    assertOk(f.kube("createResource", KubesysFixture.write("cluster-1", configMap(ns, existing, Map.of("a", "b")))));
  }

  /** Runs one bad request, checks its answer, and that nothing changed. */
  private void refused(String endpoint, Object body, Consumer<Reply> check) {
    KubesysFixture.State before = f.state();
    Reply r = f.kube(endpoint, body);
    check.accept(r);
    f.assertUnchanged(before);
  }

  private void refused(String endpoint, Object body, int status) {
    refused(endpoint, body, r -> assertFails(status, r));
  }

  private void refusedWithOneOf(String endpoint, Object body, Set<Integer> statuses) {
    refused(endpoint, body, r -> {
      assertTrue(statuses.contains(r.status()), endpoint + " " + body + " -> " + r);
      assertFails(r.status(), r);
    });
  }

  @Test
  void malformedBodiesAre400() {
    for (String endpoint : ALL) {
      for (String body : List.of("", "{", "{\"region\": \"cluster-1\",", "[]", "42", "\"text\"", "null",
          "{\"region\": \"cluster-1\"} trailing", "{\"region\": {\"nested\": 1}}", "{\"region\": [\"a\"]}")) {
        refused(endpoint, body, 400);
      }
    }
  }

  @Test
  void writesWithMissingOrBadFields() {
    ObjectNode good = configMap(ns, existing, Map.of("a", "c"));
    Map<String, Object> request = Map.of("region", "cluster-1", "data", good);
    for (String endpoint : WRITES) {
      refused(endpoint, without(request, "region"), 400);
      refused(endpoint, without(request, "data"), 400);
      refused(endpoint, with(request, "data", "not an object"), 400);
      refused(endpoint, with(request, "region", ""), 400);
      for (String field : List.of("apiVersion", "kind", "metadata")) {
        ObjectNode d = good.deepCopy();
        d.remove(field);
        refused(endpoint, with(request, "data", d), 400);
        d.put(field, 5);
        refused(endpoint, with(request, "data", d), 400);
      }
      ObjectNode unnamed = good.deepCopy();
      ((ObjectNode) unnamed.path("metadata")).remove("name");
      refused(endpoint, with(request, "data", unnamed), 400);
      // A data.apiVersion or data.kind that cannot be one is a 400, before anything reaches a URL.
      for (String odd : List.of("v1 x", "v1%2F..", "v1\\", "v1\"", "v1\u0001", "v1ä", "apps /v1", "a/b/v1", "/v1",
          "apps/")) {
        refused(endpoint, with(request, "data", good.deepCopy().put("apiVersion", odd)), 400);
      }
      for (String odd : List.of("Config Map", "ConfigMap%", "configmap", "Config\u0000Map", "ConfigMäp")) {
        refused(endpoint, with(request, "data", good.deepCopy().put("kind", odd)), 400);
      }
      refused(endpoint, with(request, "region", "no-such-region"), 404);
      ObjectNode unknownKind = good.deepCopy().put("kind", "NoSuchKind");
      refused(endpoint, with(request, "data", unknownKind), 404);
      ObjectNode unknownGroup = good.deepCopy().put("apiVersion", "no.such.group/v1");
      refused(endpoint, with(request, "data", unknownGroup), 404);
      for (String odd : List.of("../kube-system", "a/b", "%2e%2e", "..", ".", "a\u0000b", "x".repeat(300))) {
        refused(endpoint, with(request, "data", configMap(odd, existing, Map.of())), 400);
        refused(endpoint, with(request, "data", configMap(ns, odd, Map.of())), 400);
      }
      for (String injection : INJECTIONS) {
        refused(endpoint, with(request, "region", injection), 404);
        ObjectNode kind = good.deepCopy().put("kind", "ConfigMap" + injection);
        refused(endpoint, with(request, "data", kind), 400);
        if (!injection.contains("/") && !injection.equals("$") && !injection.equals("*")) {
          // The apiserver judges these names: invalid (422), or not found on update (404).
          refusedWithOneOf(endpoint, with(request, "data", configMap(ns, injection, Map.of())), Set.of(404, 422));
          refusedWithOneOf(endpoint, with(request, "data", configMap(injection, "x", Map.of())),
              Set.of(400, 404, 422));
        }
      }
    }
  }

  @Test
  void getAndDeleteWithMissingOrBadFields() {
    Map<String, Object> request = KubesysFixture.key("ConfigMap", ns, existing, "cluster-1");
    for (String endpoint : List.of("getResource", "deleteResource")) {
      for (String field : List.of("fullkind", "name", "region", "namespace")) {
        refused(endpoint, without(request, field), 400);
        refused(endpoint, with(request, field, ""), 400);
      }
      refused(endpoint, with(request, "region", "no-such-region"), 404);
      refused(endpoint, with(request, "fullkind", "NoSuchKind"), 404);
      refused(endpoint, with(request, "fullkind", "apps.ConfigMap"), 404);
      for (String odd : List.of("../kube-system", "a/b", "%2F", "..", "a\nb")) {
        refused(endpoint, with(request, "name", odd), 400);
        refused(endpoint, with(request, "namespace", odd), 400);
      }
      for (String injection : INJECTIONS) {
        refused(endpoint, with(request, "region", injection), 404);
        refused(endpoint, with(request, "fullkind", injection), 400);
        refused(endpoint, with(request, "fullkind", "ConfigMap" + injection), 400);
        refused(endpoint, with(request, "name", existing + injection), 404);
        refused(endpoint, with(request, "namespace", ns + injection), 400);
        refused(endpoint, with(request, "name", injection), 404);
      }
    }
    assertOk(f.kube("getResource", request));
  }

  @Test
  void listAndCountWithMissingOrBadFields() {
    Map<String, Object> list = Map.of("fullkind", "ConfigMap", "page", 1, "limit", 10, "region", "cluster-1",
        "labels", Map.of("metadata##namespace", ns));
    for (String endpoint : List.of("listResources", "countResources")) {
      Map<String, Object> request = endpoint.equals("countResources") ? without(without(list, "page"), "limit")
          : list;
      refused(endpoint, without(request, "fullkind"), 400);
      refused(endpoint, without(request, "region"), 400);
      refused(endpoint, with(request, "region", "no-such-region"), 404);
      refused(endpoint, with(request, "fullkind", "NoSuchKind"), 404);
      refused(endpoint, with(request, "labels", "metadata##name=x"), 400);
      refused(endpoint, with(request, "labels", List.of("a")), 400);
      for (Map<String, Object> labels : List.<Map<String, Object>>of(Map.of("metadata##na\"me", "x"),
          Map.of("metadata####name", "x"), Map.of("", "x"), Map.of("metadata##name", Map.of("a", "b")),
          Map.of("metadata##name", "a\u0000b"), Map.of("metadata\u0001##name", "x"),
          Map.of("spec##a\\b", "x"), Map.of("metadata##labels##\\", "x"))) {
        refused(endpoint, with(request, "labels", labels), 400);
      }
      for (String injection : INJECTIONS) {
        refused(endpoint, with(request, "region", injection), 404);
        refused(endpoint, with(request, "fullkind", injection), 400);
        // Injections into search text are text: they match nothing. A path key with " is refused (400).
        for (Map<String, Object> labels : List.<Map<String, Object>>of(
            Map.of("metadata##namespace", ns, "metadata##name", injection),
            Map.of("metadata##namespace", ns, "metadata##" + injection, ""),
            Map.of("metadata##namespace", ns, injection + "##name", "x"),
            Map.of("metadata##namespace", ns + injection))) {
          boolean quoteInPath = labels.keySet().stream().anyMatch(k -> k.contains("\""));
          refused(endpoint, with(request, "labels", labels), quoteInPath ? r -> assertFails(400, r) : r -> {
            assertOk(r);
            assertEquals(0, endpoint.equals("countResources") ? r.data().asLong()
                : r.data().path("metadata").path("totalCount").asLong(), labels.toString());
          });
        }
      }
    }
    for (Object page : List.of(0, -1, "abc", Map.of())) {
      refused("listResources", with(list, "page", page), 400);
    }
    for (Object limit : List.of(0, -5, KubesysKubeRoutes.MAX_LIMIT + 1, "many")) {
      refused("listResources", with(list, "limit", limit), 400);
    }
    // The objects are still there and found.
    assertEquals(1, f.kube("countResources", Map.of("fullkind", "ConfigMap", "region", "cluster-1", "labels",
        Map.of("metadata##namespace", ns, "metadata##name", existing))).data().asLong());
  }

  @Test
  void getMetaWithMissingOrBadRegion() {
    refused("getMeta", Map.of(), 400);
    refused("getMeta", Map.of("region", ""), 400);
    refused("getMeta", Map.of("region", "no-such-region"), 404);
    for (String injection : INJECTIONS) {
      refused("getMeta", Map.of("region", injection), 404);
    }
  }

  @Test
  void oddPathsAndMethodsAnswerInTheKubesysShape() {
    List<String> paths = new ArrayList<>(List.of("/kubesys/kube/getResource/extra", "/kubesys/kube/get%20Resource",
        "/kubesys/kube/nosuch", "/kubesys/kube/getResource'%20OR%201=1%20--", "/kubesys/nothing"));
    for (String path : paths) {
      Reply r = f.http.post(path, KubesysFixture.key("ConfigMap", ns, existing, "cluster-1"), f.admin);
      assertFails(404, r);
    }
    Reply get = f.http.request("GET", "/kubesys/kube/getResource", Map.of());
    assertFails(405, get);
  }
}
