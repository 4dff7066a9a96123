package io.kubebackend.api;

import static io.kubebackend.api.SecurityFixture.grant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubebackend.api.SecurityFixture.Reply;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.TestServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Every object route of the native and kubesys APIs, for every kind of target (mirrored, excluded, outside the
 * include list, served without list/watch, cluster-scoped, on a cluster registered a moment ago), for users whose
 * role allows it, allows another namespace, another kind, reading only, or nothing in the cluster. Each case
 * checks the status; a refused write also checks, with admin credentials straight from the apiserver, that
 * nothing changed; every answer is checked for data outside the caller's grant.
 *
 * <p>The expected outcome comes from the grants as this test defines them ({@link User#allows}), not from the
 * production authorizer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractAuthorizationMatrixIT {
  abstract Dialect dialect();

  SecurityFixture f;
  private final AtomicInteger counter = new AtomicInteger();
  private final Map<String, User> users = new LinkedHashMap<>();
  private boolean lateRegistered;

  /** A test user: its token and, for the oracle, what its role grants in the given clusters. */
  record User(String name, String token, Set<String> clusters, String namespace, String kind, boolean read,
              boolean write) {
    boolean allows(boolean writeAccess, Target t) {
      boolean kindOk = kind.equals("*") || kind.equals(t.fullKind());
      boolean access = writeAccess ? write : read;
      return access && kindOk && clusters.contains(t.cluster()) && t.namespace().equals(namespace);
    }

    /** Whether a kubesys list/count may run at all: some read grant for the kind in the cluster. */
    boolean readsKindSomewhere(Target t) {
      return read && clusters.contains(t.cluster()) && (kind.equals("*") || kind.equals(t.fullKind()));
    }
  }

  /** One object an attack aims at. {@code namespace} "" for cluster-scoped. */
  record Target(String label, String cluster, String group, String version, String resource, String kind,
                boolean namespaced, String namespace, String name, boolean mirrored) {
    String fullKind() {
      return group.isEmpty() ? kind : group + "." + kind;
    }

    String apiVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }

    String prefix() {
      return "/api/v1/clusters/" + cluster + (group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version);
    }

    String collection() {
      return prefix() + (namespaced ? "/namespaces/" + namespace : "") + "/" + resource;
    }

    String object() {
      return collection() + "/" + name;
    }

    String allNamespaces() {
      return prefix() + "/" + resource;
    }
  }

  @BeforeAll
  void start() {
    f = SecurityFixture.shared(dialect());
    Set<String> mine = Set.of("c1", "c2", "late");
    users.put("rw", new User("rw", f.user("rw", grants(mine, f.teamA, "*", true, true)), mine, f.teamA, "*",
        true, true));
    users.put("ro", new User("ro", f.user("ro", grants(mine, f.teamA, "*", true, false)), mine, f.teamA, "*",
        true, false));
    users.put("kind", new User("kind", f.user("kind", grants(mine, f.teamA, "apps.Deployment", true, true)), mine,
        f.teamA, "apps.Deployment", true, true));
    users.put("none", new User("none", f.user("none", List.of(grant("elsewhere", "*", "*", true, true))),
        Set.of("elsewhere"), "*", "*", true, true));
  }

  private static List<Map<String, Object>> grants(Set<String> clusters, String ns, String kind, boolean r,
                                                  boolean w) {
    return clusters.stream().sorted().map(c -> grant(c, ns, kind, r, w)).toList();
  }

  private List<Target> targets() {
    List<Target> out = new ArrayList<>();
    for (String ns : List.of(f.teamA, f.teamB)) {
      String side = ns.equals(f.teamA) ? "a" : "b";
      out.add(new Target("mirrored configmap " + side, "c1", "", "v1", "configmaps", "ConfigMap", true, ns, "seed",
          true));
      out.add(new Target("secret outside include " + side, "c1", "", "v1", "secrets", "Secret", true, ns, "seed",
          false));
      out.add(new Target("excluded configmap " + side, "c2", "", "v1", "configmaps", "ConfigMap", true, ns, "seed",
          false));
      out.add(new Target("binding (no list/watch) " + side, "c1", "", "v1", "bindings", "Binding", true, ns, "seed",
          false));
      out.add(new Target("late cluster configmap " + side, "late", "", "v1", "configmaps", "ConfigMap", true, ns,
          "seed", true));
    }
    out.add(new Target("tokenreview (cluster-scoped, create only)", "c1", "authentication.k8s.io", "v1",
        "tokenreviews", "TokenReview", false, "", "x", false));
    out.add(new Target("selfsubjectreview (cluster-scoped)", "c1", "authentication.k8s.io", "v1",
        "selfsubjectreviews", "SelfSubjectReview", false, "", "x", false));
    out.add(new Target("victim clusterrolebinding", "c1", "rbac.authorization.k8s.io", "v1", "clusterrolebindings",
        "ClusterRoleBinding", false, "", f.victim, true));
    out.add(new Target("namespace b", "c1", "", "v1", "namespaces", "Namespace", false, "", f.teamB, true));
    return out;
  }

  /** A body for creating or replacing an object of the target's kind. */
  private ObjectNode object(Target t, String name) {
    ObjectNode o = SecurityFixture.JSON.createObjectNode();
    o.put("apiVersion", t.apiVersion()).put("kind", t.kind());
    ObjectNode meta = o.putObject("metadata").put("name", name);
    if (t.namespaced()) {
      meta.put("namespace", t.namespace());
    }
    meta.putObject("labels").put(f.label, f.run);
    switch (t.resource()) {
      case "configmaps" -> o.putObject("data").put("k", "written");
      case "secrets" -> o.putObject("stringData").put("k", "written");
      case "bindings" -> o.putObject("target").put("kind", "Node").put("name", SecurityFixture.BINDING_NODE);
      case "tokenreviews" -> o.putObject("spec").put("token", "not-a-token");
      case "clusterrolebindings" -> {
        o.putObject("roleRef").put("apiGroup", "rbac.authorization.k8s.io").put("kind", "ClusterRole")
            .put("name", "cluster-admin");
        o.putArray("subjects").addObject().put("kind", "User").put("name", "evil")
            .put("apiGroup", "rbac.authorization.k8s.io");
      }
      default -> { }
    }
    return o;
  }

  /** One request of the matrix. */
  private record Route(String name, boolean write, boolean kubesys) {}

  private static final List<Route> ROUTES = List.of(
      new Route("GET object", false, false), new Route("LIST namespace", false, false),
      new Route("LIST all namespaces", false, false), new Route("POST", true, false), new Route("PUT", true, false),
      new Route("PATCH merge", true, false), new Route("PATCH strategic", true, false),
      new Route("PATCH json", true, false), new Route("DELETE", true, false),
      new Route("kubesys createResource", true, true), new Route("kubesys updateResource", true, true),
      new Route("kubesys createOrUpdateResource", true, true), new Route("kubesys deleteResource", true, true),
      new Route("kubesys getResource", false, true), new Route("kubesys listResources", false, true),
      new Route("kubesys countResources", false, true));

  private Reply call(Route r, Target t, User u) {
    String fresh = "kbm-" + counter.incrementAndGet();
    String patch = "{\"metadata\":{\"labels\":{\"patched\":\"x\"}}}";
    return switch (r.name()) {
      case "GET object" -> f.send("GET", t.object(), null, null, u.token());
      case "LIST namespace" -> f.send("GET", t.collection(), null, null, u.token());
      case "LIST all namespaces" -> f.send("GET", t.allNamespaces(), null, null, u.token());
      case "POST" -> f.send("POST", t.collection(), "application/json",
          object(t, t.resource().equals("bindings") ? t.name() : fresh).toString(), u.token());
      case "PUT" -> f.send("PUT", t.object(), "application/json", object(t, t.name()).toString(), u.token());
      case "PATCH merge" -> f.send("PATCH", t.object(), "application/merge-patch+json", patch, u.token());
      case "PATCH strategic" -> f.send("PATCH", t.object(), "application/strategic-merge-patch+json", patch,
          u.token());
      case "PATCH json" -> f.send("PATCH", t.object(), "application/json-patch+json",
          "[{\"op\":\"add\",\"path\":\"/metadata/labels/patched\",\"value\":\"x\"}]", u.token());
      case "DELETE" -> f.send("DELETE", t.object(), null, null, u.token());
      case "kubesys createResource" -> kubesys("createResource", write(t, object(t, fresh)), u);
      case "kubesys updateResource" -> kubesys("updateResource", write(t, object(t, t.name())), u);
      case "kubesys createOrUpdateResource" -> kubesys("createOrUpdateResource", write(t, object(t, t.name())), u);
      case "kubesys deleteResource" -> kubesys("deleteResource", key(t), u);
      case "kubesys getResource" -> kubesys("getResource", key(t), u);
      case "kubesys listResources" -> kubesys("listResources", Map.of("region", t.cluster(), "fullkind",
          t.fullKind(), "page", 1, "limit", 100), u);
      case "kubesys countResources" -> kubesys("countResources", Map.of("region", t.cluster(), "fullkind",
          t.fullKind()), u);
      default -> throw new IllegalArgumentException(r.name());
    };
  }

  private Reply kubesys(String op, Object body, User u) {
    return f.kubesys("/kubesys/kube/" + op, body, u.token(), u.name() + "-" + f.run);
  }

  private static Map<String, Object> write(Target t, ObjectNode data) {
    return Map.of("region", t.cluster(), "data", data);
  }

  private static Map<String, Object> key(Target t) {
    return Map.of("region", t.cluster(), "fullkind", t.fullKind(), "namespace", t.namespace(), "name", t.name());
  }

  /** The namespace a route acts on, as the oracle sees it: a list across namespaces needs every namespace. */
  private static Target scoped(Route r, Target t) {
    if (r.name().equals("LIST all namespaces") && t.namespaced()) {
      return new Target(t.label(), t.cluster(), t.group(), t.version(), t.resource(), t.kind(), true, "*", null,
          t.mirrored());
    }
    return t;
  }

  private boolean applies(Route r, Target t) {
    return !(r.name().equals("LIST namespace") && !t.namespaced());
  }

  @TestFactory
  Stream<DynamicTest> everyRouteTargetAndGrant() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Target t : targets()) {
      for (User u : users.values()) {
        for (Route r : ROUTES) {
          if (applies(r, t)) {
            tests.add(DynamicTest.dynamicTest(u.name() + " / " + r.name() + " / " + t.label(), () -> check(r, t, u)));
          }
        }
      }
    }
    return tests.stream();
  }

  private void check(Route r, Target t, User u) {
    if (t.cluster().equals("late") && !lateRegistered) {
      registerLateCluster();
    }
    Target scope = scoped(r, t);
    boolean allowed = r.name().endsWith("listResources") || r.name().endsWith("countResources")
        ? u.readsKindSomewhere(t) : u.allows(r.write(), scope);
    String fingerprintOf = t.cluster().equals("c2") ? "c2" : "c1";
    Map<String, String> before = allowed || !r.write() ? null : f.fingerprint(fingerprintOf);
    Reply reply = call(r, t, u);
    String what = u.name() + " " + r.name() + " " + t.label() + ": " + reply;
    assertTrue(reply.contentType().startsWith("application/json"), "JSON answer: " + what);
    assertFalse(reply.body().contains(f.secretMarker(f.teamB)), "nothing of the other namespace: " + what);
    assertFalse(reply.body().contains("cm-" + f.teamB), "nothing of the other namespace: " + what);
    if (!allowed) {
      assertEquals(403, reply.status(), "refused: " + what);
      if (r.kubesys()) {
        assertEquals(40300, reply.json().path("code").asInt(), what);
      } else {
        assertEquals("Forbidden", reply.json().path("reason").asText(), what);
      }
      if (before != null) {
        assertEquals(before, f.fingerprint(fingerprintOf), "a refused request changed the cluster: " + what);
      }
      return;
    }
    assertTrue(reply.status() != 403 && reply.status() < 500, "allowed, and no server error: " + what);
    if (!r.write()) {
      boolean list = r.name().startsWith("LIST") || r.name().endsWith("listResources")
          || r.name().endsWith("countResources");
      if (!t.mirrored()) {
        assertEquals(404, reply.status(), "reads of kinds that are not mirrored: " + what);
      } else if (!list) {
        // The seed may have been deleted by an earlier allowed DELETE.
        assertTrue(reply.status() == 200 || reply.status() == 404, what);
      } else if (t.cluster().equals("late") && reply.status() == 404) {
        // Registered a moment ago: until its first discovery the mirror keeps nothing to answer from.
        assertTrue(reply.body().contains("does not mirror"), what);
      } else {
        assertEquals(200, reply.status(), what);
        JsonNode items = r.kubesys() ? reply.json().path("data") : reply.json();
        for (String ns : SecurityFixture.itemNamespaces(items)) {
          assertEquals(f.teamA, ns, "a list shows only the granted namespace: " + what);
        }
      }
    }
  }

  private void registerLateCluster() {
    String kubeconfig;
    try {
      kubeconfig = Files.readString(TestServers.kubeconfig(1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ObjectNode body = SecurityFixture.JSON.createObjectNode().put("id", "late").put("kubeconfig", kubeconfig);
    body.putArray("include").add("namespaces").add("configmaps");
    Reply r = f.send("POST", "/api/v1/clusters", "application/json", body.toString(), f.adminToken);
    assertEquals(201, r.status(), r.toString());
    lateRegistered = true;
  }
}
