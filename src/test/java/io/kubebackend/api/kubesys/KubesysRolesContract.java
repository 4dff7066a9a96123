package io.kubebackend.api.kubesys;

import static io.kubebackend.api.kubesys.KubesysAsserts.assertFails;
import static io.kubebackend.api.kubesys.KubesysAsserts.assertOk;
import static io.kubebackend.api.kubesys.KubesysAsserts.unique;
import static io.kubebackend.api.kubesys.KubesysAuthContract.b64;
import static io.kubebackend.api.kubesys.KubesysFixture.configMap;
import static io.kubebackend.api.kubesys.KubesysFixture.deployment;
import static io.kubebackend.api.kubesys.KubesysFixture.key;
import static io.kubebackend.api.kubesys.KubesysFixture.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.KubesysClient.Reply;
import io.kubebackend.testing.KubesysClient.Session;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Roles limit what users may do; only admins manage users and roles; refusals change nothing. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KubesysRolesContract {
  KubesysFixture f;
  String ns;

  abstract Dialect dialect();

  @BeforeAll
  void start() {
    f = KubesysFixture.shared(dialect());
    ns = f.ns;
  }

  static Map<String, Object> grant(String cluster, String namespace, String kind, boolean read, boolean write) {
    return Map.of("cluster", cluster, "namespace", namespace, "kind", kind, "read", read, "write", write);
  }

  /** A new user with a new role of these grants, logged in. */
  Session userWithGrants(List<Map<String, Object>> grants) {
    String role = unique("role");
    assertOk(f.system("putRole", Map.of("name", role, "grants", grants), f.admin));
    String name = unique("user");
    assertOk(f.system("createUser", Map.of("name", name, "password", b64("password-" + name), "role", role),
        f.admin));
    return f.http.login(name, "password-" + name);
  }

  @Test
  void aRoleAllowsOnlyItsGrants() {
    Session dev = userWithGrants(List.of(grant("cluster-1", ns, "*", true, true),
        grant("cluster-1", "*", "Pod", true, false)));
    String mine = unique("mine");
    assertOk(f.kube("createResource", write("cluster-1", configMap(ns, mine, Map.of())), dev));
    assertOk(f.kube("getResource", key("ConfigMap", ns, mine, "cluster-1"), dev));

    KubesysFixture.State before = f.state();
    String other = unique("other");
    assertFails(403, f.kube("createResource", write("cluster-2", configMap(ns, other, Map.of())), dev));
    assertFails(403, f.kube("createResource", write("cluster-1", configMap("default", other, Map.of())), dev));
    assertFails(403, f.kube("createResource", write("cluster-1", deployment("default", other, 1, "x")), dev));
    assertFails(403, f.kube("deleteResource", key("ConfigMap", "kube-system", "extension-apiserver-authentication",
        "cluster-1"), dev));
    assertFails(403, f.kube("getResource", key("ConfigMap", "kube-system", "extension-apiserver-authentication",
        "cluster-1"), dev));
    assertFails(403, f.kube("getMeta", Map.of("region", "cluster-2"), dev));
    assertFails(403, f.kube("countResources", Map.of("fullkind", "ConfigMap", "region", "cluster-2"), dev));
    // No grant there: whether the region exists is not told.
    assertFails(403, f.kube("getResource", key("ConfigMap", ns, mine, "no-such-region"), dev));
    for (String admin : List.of("listUsers", "listRoles", "createUser", "deleteUser", "setRole", "putRole",
        "deleteRole")) {
      assertFails(403, f.system(admin, Map.of("name", "admin", "role", "admin", "password", b64("password-9"),
          "grants", List.of()), dev));
    }
    assertFails(403, f.system("changePassword", Map.of("name", "admin", "password", b64("hijacked-pw")), dev));
    f.assertUnchanged(before);
    assertNull(f.cluster1.configMaps().inNamespace("default").withName(other).get());

    // Lists show only the namespaces the role may read; Pods may be read everywhere.
    Reply list = f.kube("listResources", Map.of("fullkind", "ConfigMap", "page", 1, "limit", 1000, "region",
        "cluster-1"), dev);
    assertOk(list);
    assertTrue(list.data().path("items").size() >= 1);
    for (JsonNode item : list.data().path("items")) {
      assertEquals(ns, item.path("metadata").path("namespace").asText());
    }
    long allConfigMaps = f.kube("countResources", Map.of("fullkind", "ConfigMap", "region", "cluster-1")).data()
        .asLong();
    long visible = f.kube("countResources", Map.of("fullkind", "ConfigMap", "region", "cluster-1"), dev).data()
        .asLong();
    assertTrue(visible < allConfigMaps, visible + " of " + allConfigMaps);
    // Pods come and go on the shared clusters: compare until two counts in a row agree.
    Map<String, Object> pods = Map.of("fullkind", "Pod", "region", "cluster-1");
    long asAdmin = -1;
    long asDev = -2;
    for (int i = 0; i < 10 && asAdmin != asDev; i++) {
      asAdmin = f.kube("countResources", pods).data().asLong();
      asDev = f.kube("countResources", pods, dev).data().asLong();
    }
    assertEquals(asAdmin, asDev, "the role reads Pods in every namespace");

    // The native API follows the same grants.
    Map<String, String> bearer = Map.of("authorization", "Bearer " + dev.token(), "user", dev.user());
    assertEquals(200, f.http.request("GET", "/api/v1/clusters/cluster-1/api/v1/namespaces/" + ns + "/configmaps/"
        + mine, bearer).status());
    assertEquals(403, f.http.request("GET", "/api/v1/clusters/cluster-1/api/v1/configmaps", bearer).status());
    assertEquals(200, f.http.request("GET", "/api/v1/clusters/cluster-1/api/v1/pods", bearer).status());
    assertEquals(403, f.http.request("GET", "/api/v1/clusters/cluster-2", bearer).status());
    assertEquals(403, f.http.request("GET", "/api/v1/clusters/cluster-1/apis/apps/v1/namespaces/default/deployments",
        bearer).status());

    // A role change applies to tokens already issued.
    assertOk(f.system("setRole", Map.of("name", dev.user(), "role", readOnlyRole()), f.admin));
    assertFails(403, f.kube("deleteResource", key("ConfigMap", ns, mine, "cluster-1"), dev));
    assertOk(f.kube("getResource", key("ConfigMap", ns, mine, "cluster-1"), dev));
    assertOk(f.kube("deleteResource", key("ConfigMap", ns, mine, "cluster-1")));
  }

  private String readOnlyRole() {
    String role = unique("viewer");
    assertOk(f.system("putRole", Map.of("name", role, "grants", List.of(grant("*", "*", "*", true, false))),
        f.admin));
    return role;
  }

  @Test
  void adminsManageUsers() {
    String name = unique("alice");
    Reply created = f.system("createUser", Map.of("name", name, "password", b64("first-password"), "role",
        readOnlyRole()), f.admin);
    assertOk(created);
    assertEquals(name, created.data().path("name").asText());
    KubesysFixture.State before = f.state();
    assertFails(409, f.system("createUser", Map.of("name", name, "password", b64("other-password"), "role",
        "admin"), f.admin));
    assertFails(404, f.system("createUser", Map.of("name", unique("bob"), "password", b64("other-password"),
        "role", "no-such-role"), f.admin));
    for (String bad : List.of("' OR 1=1 --", "a/b", "", "x".repeat(65), "admin\u0000")) {
      assertFails(400, f.system("createUser", Map.of("name", bad, "password", b64("other-password"), "role",
          "admin"), f.admin));
      assertFails(400, f.system("createUser", Map.of("name", unique("bob"), "password", b64("other-password"),
          "role", bad.isEmpty() ? "Admin" : bad), f.admin));
    }
    assertFails(400, f.system("createUser", Map.of("name", unique("bob"), "password", b64("short"), "role",
        "admin"), f.admin));
    assertFails(400, f.system("createUser", Map.of("name", unique("bob"), "password", "***", "role", "admin"),
        f.admin));
    assertFails(404, f.system("deleteUser", Map.of("name", unique("nobody")), f.admin));
    assertFails(404, f.system("setRole", Map.of("name", name, "role", "no-such-role"), f.admin));
    f.assertUnchanged(before);

    Reply users = f.system("listUsers", Map.of(), f.admin);
    assertOk(users);
    assertTrue(users.raw().contains("\"" + name + "\""));
    assertFalse(users.raw().contains("$2"), "no password hashes");

    Session alice = f.http.login(name, "first-password");
    assertOk(f.system("changePassword", Map.of("name", name, "password", b64("second-password")), f.admin));
    assertFails(401, f.kube("getMeta", Map.of("region", "cluster-1"), alice));
    assertFails(401, f.http.login(name, "first-password", null));
    alice = f.http.login(name, "second-password");

    assertFails(403, f.system("changePassword", Map.of("name", name, "password", b64("third-password"),
        "oldPassword", b64("wrong-password")), alice));
    Session aliceElsewhere = f.http.login(name, "second-password");
    assertOk(f.system("changePassword", Map.of("name", name, "password", b64("third-password"), "oldPassword",
        b64("second-password")), alice));
    assertOk(f.kube("getMeta", Map.of("region", "cluster-1"), alice));
    assertFails(401, f.kube("getMeta", Map.of("region", "cluster-1"), aliceElsewhere));

    assertOk(f.system("deleteUser", Map.of("name", name), f.admin));
    assertFails(401, f.kube("getMeta", Map.of("region", "cluster-1"), alice));
    assertFails(401, f.http.login(name, "third-password", null));
  }

  @Test
  void adminsManageRolesAndTheBuiltInsStay() {
    Reply roles = f.system("listRoles", Map.of(), f.admin);
    assertOk(roles);
    boolean adminListed = false;
    for (JsonNode r : roles.data()) {
      adminListed |= r.path("name").asText().equals("admin")
          && r.path("grants").get(0).path("kind").asText().equals("*");
    }
    assertTrue(adminListed, roles.raw());

    KubesysFixture.State before = f.state();
    assertFails(409, f.system("putRole", Map.of("name", "admin", "grants", List.of()), f.admin));
    assertFails(409, f.system("deleteRole", Map.of("name", "admin"), f.admin));
    assertFails(404, f.system("deleteRole", Map.of("name", unique("no-role")), f.admin));
    assertFails(400, f.system("putRole", Map.of("name", "' OR 1=1 --", "grants", List.of()), f.admin));
    for (Map<String, Object> bad : List.of(grant("' OR 1=1 --", "*", "*", true, true),
        grant("*", "../x", "*", true, true), grant("*", "*", "Pod; DROP", true, true),
        grant("*", "*", "*", false, false))) {
      assertFails(400, f.system("putRole", Map.of("name", unique("bad"), "grants", List.of(bad)), f.admin));
    }
    assertFails(400, f.system("putRole", Map.of("name", unique("twice"), "grants", List.of(
        grant("*", "*", "Pod", true, false), grant("*", "*", "Pod", false, true))), f.admin));
    assertFails(400, f.system("putRole", Map.of("name", unique("typed"), "grants", "all"), f.admin));
    f.assertUnchanged(before);

    // There is always an admin left.
    List<String> admins = new java.util.ArrayList<>();
    f.query("SELECT name FROM auth_users WHERE role = 'admin'", rs -> admins.add(rs.getString(1)));
    if (admins.size() == 1) {
      assertFails(409, f.system("deleteUser", Map.of("name", "admin"), f.admin));
      assertFails(409, f.system("setRole", Map.of("name", "admin", "role", readOnlyRole()), f.admin));
    }

    String role = readOnlyRole();
    String user = unique("carol");
    assertOk(f.system("createUser", Map.of("name", user, "password", b64("carol-password"), "role", role),
        f.admin));
    assertFails(409, f.system("deleteRole", Map.of("name", role), f.admin));
    assertOk(f.system("deleteUser", Map.of("name", user), f.admin));
    assertOk(f.system("deleteRole", Map.of("name", role), f.admin));
  }
}
