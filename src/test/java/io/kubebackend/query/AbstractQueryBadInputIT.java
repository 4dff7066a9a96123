package io.kubebackend.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubebackend.store.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every malformed, unknown, oversized, mistyped or hostile parameter is a 400 in the one error shape, with a
 * message naming the problem, and changes nothing. Values that may legitimately hold any text (field condition
 * values) are bound as data: they match exactly that text and nothing else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractQueryBadInputIT {
  abstract Dialect dialect();

  private QueryFixture f;
  private String canary;

  @BeforeAll
  void start() {
    f = QueryFixture.start(dialect());
    canary = f.namespace("canary");
    for (int i = 0; i < 3; i++) {
      f.c1.configMaps().inNamespace(canary).resource(new ConfigMapBuilder().withNewMetadata().withName("cm-" + i)
          .addToLabels("app", "canary").addToAnnotations("note", i == 0 ? "x' OR '1'='1" : "plain").endMetadata()
          .build()).create();
    }
    f.awaitIds(java.util.Set.of("cluster-1/" + canary + "/cm-0", "cluster-1/" + canary + "/cm-1",
        "cluster-1/" + canary + "/cm-2"), "namespace", canary, "labelSelector", "app=canary");
    // ... and the controller-manager's kube-root-ca.crt, which the free-text checks count too.
    io.kubebackend.testing.Await.until(QueryFixture.MIRRORED, "kube-root-ca.crt in " + canary,
        () -> f.c1.configMaps().inNamespace(canary).list().getItems().size() == 4);
    f.awaitIds(new java.util.TreeSet<>(f.c1.configMaps().inNamespace(canary).list().getItems().stream()
        .map(cm -> "cluster-1/" + canary + "/" + cm.getMetadata().getName()).toList()), "namespace", canary,
        "cluster", "cluster-1");
  }

  @AfterAll
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  private static final String INJECTION = "x' OR '1'='1";
  private static final String DROP = "x\"; DROP TABLE objects; --";

  /** Parameter name, value, a fragment the 400 message must contain. */
  private record Bad(String endpoint, List<String> params, String problem) {}

  private static Bad query(String problem, String... params) {
    return new Bad("/api/v1/query", List.of(params), problem);
  }

  private static Bad aggregate(String problem, String... params) {
    return new Bad("/api/v1/aggregate", List.of(params), problem);
  }

  private static List<Bad> badInputs() {
    List<Bad> bad = new ArrayList<>(List.of(
        // Malformed selectors, paths, sort keys, conditions
        query("invalid labelSelector \"app===\": unable to parse requirement: found '=', expected: identifier",
            "labelSelector", "app==="),
        query("unable to parse requirement", "labelSelector", "app in (web"),
        query("found 'b', expected: ',' or 'end of string'", "labelSelector", "a=1 b"),
        query("expected a key", "sort", "metadata..name"),
        query("sort names 'metadata.name' twice", "sort", "metadata.name,-metadata.name"),
        query("expected an operator", "field", "status.phase?Running"),
        query("takes a list in parentheses", "field", "status.phase in Running"),
        query("has an array position", "fields", "spec.containers[0].image"),
        // Unknown names and operators
        query("unknown parameter 'fieldSelector'", "fieldSelector", "status.phase=Running"),
        query("unknown parameter 'groupBy' for /api/v1/query", "groupBy", "cluster"),
        aggregate("unknown parameter 'sort' for /api/v1/aggregate", "groupBy", "kind", "sort", "kind"),
        aggregate("unknown groupBy term 'phase'", "groupBy", "phase"),
        query("unknown cluster 'cluster-9'", "cluster", "cluster-9"),
        query("no selected cluster mirrors resource 'secrets'", "resource", "secrets"),
        query("no selected cluster mirrors kind 'Gadget'", "kind", "Gadget"),
        query("a valid label must be an empty string", "labelSelector", "a=~b"),
        query("'<' compares numbers or RFC 3339 timestamps", "field", "spec.replicas<>3"),
        query("invalid field condition", "field", "metadata.labels[\"x\"]; DROP TABLE objects; --\"]=x"),
        // Oversized
        query("limit must be between 1 and 10000, got 10001", "limit", "10001"),
        query("limit: '100000000000' is not a whole number", "limit", "100000000000"),
        aggregate("limit must be between 1 and 10000", "groupBy", "kind", "limit", "50000"),
        query("longer than 4096 characters", "labelSelector", "a=" + "b".repeat(4100)),
        query("at most 32 segments", "field", String.join(".", Collections.nCopies(40, "a"))),
        query("sort takes at most 8 keys", "sort", "a,b,c,d,e,f,g,h,i"),
        query("must be no more than 63 characters", "labelSelector", "a=" + "b".repeat(64)),
        // Wrong types
        query("limit: 'ten' is not a whole number", "limit", "ten"),
        query("total: '1' is not true or false", "total", "1"),
        query("createdSince: '1714521600' is not an RFC 3339 timestamp", "createdSince", "1714521600"),
        query("'>' compares numbers or RFC 3339 timestamps", "field", "spec.replicas>three"),
        query("for 'Gt', 'Lt' operators, the value must be an integer", "labelSelector", "rank>high"),
        query("invalid continue token", "continue", "bm90LWEtdG9rZW4"),
        // Repeated single-valued parameters
        query("parameter 'sort' is given 2 times", "sort", "kind", "sort", "metadata.name")));
    // Injection attempts in every parameter that has a grammar.
    for (String payload : List.of(INJECTION, DROP, "x) UNION SELECT password FROM users --", "x\u0000y")) {
      for (String name : List.of("cluster", "group", "resource", "kind", "namespace", "labelSelector",
          "nameContains", "ownerUid", "descendantsOf", "createdSince", "createdBefore", "sort", "limit", "total",
          "fields", "continue")) {
        bad.add(query(name.equals("labelSelector") ? "invalid labelSelector" : name.equals("sort")
            ? "invalid sort" : name.equals("fields") ? "invalid fields" : name.equals("continue")
            ? "invalid continue token" : name + ": '", name, payload));
      }
      bad.add(query("invalid field condition", "field", "status.phase" + payload.substring(1)));
      bad.add(aggregate("groupBy", "groupBy", "cluster," + payload));
      bad.add(aggregate("invalid groupBy", "groupBy", "path:" + payload));
    }
    return bad;
  }

  @Test
  void badParametersAreRejectedWithAMessageNamingTheProblem() throws SQLException {
    Map<String, String> before = canaryRows();
    for (Bad b : badInputs()) {
      QueryFixture.Response r = f.get(b.endpoint(), b.params().toArray(String[]::new));
      String what = b.endpoint() + " " + b.params();
      assertEquals(400, r.status(), what + " -> " + r.body());
      assertEquals(400, r.body().path("code").asInt(), what);
      assertEquals("BadRequest", r.body().path("reason").asText(), what);
      assertTrue(r.body().path("message").asText().contains(b.problem()),
          what + ": message '" + r.body().path("message").asText() + "' does not contain '" + b.problem() + "'");
    }
    assertEquals(before, canaryRows(), "bad requests changed nothing");
    assertEquals(3, f.ids("namespace", canary).stream().filter(id -> id.contains("/cm-")).count());
  }

  @Test
  void malformedSelectorsAreRejectedByTheApiserverToo() {
    for (String selector : List.of("app===", "app in (web", "a=1 b", "x>a", "-x=a", "x=a-", "!x=a", "a/b/c=d",
        "x in ((a)", ",x")) {
      KubernetesClientException e = assertThrows(KubernetesClientException.class,
          () -> f.c1.configMaps().inNamespace(canary).withLabelSelector(selector).list(), selector);
      assertEquals(400, e.getCode(), selector);
      QueryFixture.Response r = f.get("/api/v1/query", "labelSelector", selector);
      assertEquals(400, r.status(), selector + " -> " + r.body());
      assertTrue(r.body().path("message").asText().startsWith("invalid labelSelector"), r.body().toString());
    }
  }

  @Test
  void freeTextValuesAreBoundAsData() throws SQLException {
    Map<String, String> before = canaryRows();
    // The one object whose annotation holds exactly the hostile text is found, and nothing else.
    assertEquals(java.util.Set.of("cluster-1/" + canary + "/cm-0"),
        f.ids("cluster", "cluster-1", "namespace", canary, "field", "metadata.annotations.note=" + INJECTION));
    // Quoted keys may hold quotes too: the key is a bound parameter like the value.
    assertEquals(0, f.query("cluster", "cluster-1", "namespace", canary, "field",
        "metadata.annotations[\"" + INJECTION + "\"]").path("items").size());
    assertEquals(4, f.query("cluster", "cluster-1", "namespace", canary, "field",
        "!metadata.labels[\"x') OR 1=1 --\"]").path("items").size());
    for (String value : List.of(DROP, "'; DELETE FROM objects; --", "x' OR 1=1 --", "%", "_", "\\", "?")) {
      for (String op : List.of("=", "~", "!=")) {
        JsonNode page = f.query("cluster", "cluster-1", "namespace", canary, "field",
            "metadata.annotations.note" + op + value);
        int expected = op.equals("!=") ? 4 : 0; // three canaries and kube-root-ca.crt lack that value
        assertEquals(expected, page.path("items").size(), op + value);
      }
      JsonNode groups = f.ok("/api/v1/aggregate", "cluster", "cluster-1", "namespace", canary, "groupBy",
          "label:app", "field", "metadata.annotations.note~" + value);
      assertEquals(0, groups.path("groups").size(), value);
    }
    assertEquals(before, canaryRows(), "nothing changed");
  }

  /** The canary rows, read straight from the database: name -> resourceVersion. */
  private Map<String, String> canaryRows() throws SQLException {
    Map<String, String> out = new TreeMap<>();
    try (Connection c = f.backend.database().connection();
         PreparedStatement ps = c.prepareStatement("SELECT cluster, name, resource_version FROM objects"
             + " WHERE namespace = ? AND name LIKE 'cm-%'")) {
      // Only the test's own ConfigMaps: each cluster's controller adds a kube-root-ca.crt to the namespace
      // whenever it gets to it, which may be while the bad requests run.
      ps.setString(1, canary);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1) + "/" + rs.getString(2), rs.getString(3));
        }
      }
    }
    assertEquals(3, out.size(), out.toString());
    return out;
  }
}
