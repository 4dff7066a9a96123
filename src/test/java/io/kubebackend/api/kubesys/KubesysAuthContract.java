package io.kubebackend.api.kubesys;

import static io.kubebackend.api.kubesys.KubesysAsserts.assertFails;
import static io.kubebackend.api.kubesys.KubesysAsserts.assertOk;
import static io.kubebackend.api.kubesys.KubesysAsserts.unique;
import static io.kubebackend.api.kubesys.KubesysFixture.configMap;
import static io.kubebackend.api.kubesys.KubesysFixture.key;
import static io.kubebackend.api.kubesys.KubesysFixture.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.auth.Tokens;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.KubesysClient;
import io.kubebackend.testing.KubesysClient.Reply;
import io.kubebackend.testing.KubesysClient.Session;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Login, tokens, logout and the bearer-token check on every endpoint, over HTTP against a running backend. Roles
 * and user management are in {@link KubesysRolesContract}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KubesysAuthContract {
  KubesysFixture f;
  String ns;

  abstract Dialect dialect();

  @BeforeAll
  void start() {
    f = KubesysFixture.shared(dialect());
    ns = f.ns;
  }

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void loginIssuesARandomTokenStoredOnlyAsItsHash() {
    Reply r = f.http.login("admin", KubesysFixture.ADMIN_PASSWORD, null);
    assertOk(r);
    String token = r.data().asText();
    assertEquals(32, Base64.getUrlDecoder().decode(token).length);
    List<String> hashes = new ArrayList<>();
    f.query("SELECT token_hash, user_name FROM auth_tokens", rs -> hashes.add(rs.getString(1)));
    assertTrue(hashes.contains(Tokens.hash(token)));
    assertFalse(hashes.contains(token));
    f.query("SELECT password_hash FROM auth_users WHERE name = 'admin'", rs -> {
      assertTrue(rs.getString(1).startsWith("$2"), "bcrypt");
      assertFalse(rs.getString(1).contains(KubesysFixture.ADMIN_PASSWORD));
    });
    assertNotEquals(token, f.http.login("admin", KubesysFixture.ADMIN_PASSWORD).token());
  }

  @Test
  void badLoginsAreRefusedAndIssueNothing() {
    KubesysFixture.State before = f.state();
    Reply wrong = f.http.login("admin", "not-the-password", null);
    assertFails(401, wrong);
    Reply unknown = f.http.login(unique("nobody"), "whatever-password", null);
    assertFails(401, unknown);
    assertEquals(wrong.message(), unknown.message(), "unknown users and wrong passwords look alike");
    assertFails(401, f.http.login("' OR 1=1 --", "x", null));
    assertFails(401, f.http.login("admin\u0000", KubesysFixture.ADMIN_PASSWORD, null));
    for (Object body : List.of("", "{", "[]", Map.of(), Map.of("kind", "User"), Map.of("kind", "User", "data", "x"),
        Map.of("kind", "User", "data", Map.of("name", "admin")),
        Map.of("kind", "User", "data", Map.of("password", b64("x"))),
        Map.of("kind", "User", "data", Map.of("name", "admin", "password", "not base64!")),
        Map.of("kind", "Group", "data", Map.of("name", "admin", "password", b64(KubesysFixture.ADMIN_PASSWORD))))) {
      assertFails(400, f.http.post("/kubesys/system/login", body, Map.of()));
    }
    f.assertUnchanged(before);
  }

  @Test
  void bruteForceGets429() {
    String name = unique("target");
    String password = "right-password-1";
    assertOk(f.system("createUser", Map.of("name", name, "password", b64(password), "role", "admin"), f.admin));
    for (int i = 0; i < 5; i++) {
      assertFails(401, f.http.login(name, "guess-" + i, null));
    }
    long tokens = f.tokenRows();
    assertFails(429, f.http.login(name, password, null));
    assertEquals(tokens, f.tokenRows());
    f.http.login("admin", KubesysFixture.ADMIN_PASSWORD);
    assertOk(f.system("deleteUser", Map.of("name", name), f.admin));
  }

  @Test
  void passwordsMustBeUtf8() {
    KubesysFixture.State before = f.state();
    String latin1 = Base64.getEncoder().encodeToString(new byte[] {(byte) 0xe9, 't', 'e', 's', 't', 'p', 'w', '1'});
    String lone = Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff, (byte) 0xfe, 'a', 'b', 'c', 'd', 'e',
        'f', 'g'});
    for (String bad : List.of(latin1, lone)) {
      assertFails(400, f.http.post("/kubesys/system/login", Map.of("kind", "User", "data",
          Map.of("name", "admin", "password", bad)), Map.of()));
      assertFails(400, f.system("createUser", Map.of("name", unique("utf"), "password", bad, "role", "admin"),
          f.admin));
      assertFails(400, f.system("changePassword", Map.of("name", "admin", "password", bad), f.admin));
    }
    f.assertUnchanged(before);
  }

  @Test
  void grantsAreCheckedStrictly() {
    KubesysFixture.State before = f.state();
    String role = unique("strict");
    for (String grants : List.of("[null]", "[{\"cluster\":\"*\",\"namespace\":\"*\",\"kind\":\"*\","
        + "\"read\":true,\"write\":-1}]", "[{\"cluster\":\"*\",\"namespace\":\"*\",\"kind\":\"*\","
        + "\"read\":\"yes\",\"write\":false}]", "[{\"cluster\":\"*\",\"namespace\":\"*\",\"kind\":\"*\","
        + "\"read\":true}]", "[{\"cluster\":\"*\",\"namespace\":\"*\",\"kind\":\"*\",\"read\":1,"
        + "\"write\":0}]")) {
      Reply r = f.system("putRole", "{\"name\":\"" + role + "\",\"grants\":" + grants + "}", f.admin);
      assertFails(400, r);
      assertFalse(r.message().contains("Exception") || r.message().contains("io.kubebackend"), r.toString());
    }
    f.assertUnchanged(before);
  }

  @Test
  void aWrongCurrentPasswordCountsAsAFailedLogin() {
    String name = unique("changer");
    String password = "right-password-2";
    assertOk(f.system("createUser", Map.of("name", name, "password", b64(password), "role", "admin"), f.admin));
    // An admin changing their own password needs no current one; a non-admin does: demote the user first.
    String role = unique("plain");
    assertOk(f.system("putRole", Map.of("name", role, "grants", List.of()), f.admin));
    assertOk(f.system("setRole", Map.of("name", name, "role", role), f.admin));
    Session user = f.http.login(name, password);
    int refused = 0;
    int limited = 0;
    for (int i = 0; i < 8; i++) {
      Reply r = f.system("changePassword", Map.of("name", name, "password", b64("new-password-" + i),
          "oldPassword", b64("guess-" + i)), user);
      if (r.status() == 403) {
        refused++;
      } else {
        assertFails(429, r);
        limited++;
      }
    }
    assertEquals(5, refused, "loginPerUser allows 5 failures per user and address");
    assertEquals(3, limited);
    // The guesses are spent: the right password from this address is limited too, as after failed logins.
    assertFails(429, f.http.login(name, password, null));
    assertOk(f.system("deleteUser", Map.of("name", name), f.admin));
  }

  @Test
  void wrongPasswordsFromOneAddressDoNotLockTheUserOutOfAnother() throws Exception {
    String name = unique("locked");
    String password = "right-password-3";
    assertOk(f.system("createUser", Map.of("name", name, "password", b64(password), "role", "admin"), f.admin));
    for (int i = 0; i < 6; i++) {
      f.http.login(name, "guess-" + i, null);
    }
    assertFails(429, f.http.login(name, password, null));
    String login = KubesysClient.JSON.writeValueAsString(Map.of("kind", "User", "data",
        Map.of("name", name, "password", b64(password))));
    int port = URI.create(f.http.base()).getPort();
    String answer = postFrom("127.0.0.2", port, "/kubesys/system/login", login);
    assertTrue(answer.startsWith("HTTP/1.1 200"), "the owner elsewhere logs in: " + answer);
    assertOk(f.system("deleteUser", Map.of("name", name), f.admin));
  }

  /** A POST sent from another loopback address (the server sees it as another client). */
  private static String postFrom(String localAddress, int port, String path, String body) throws Exception {
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.bind(new java.net.InetSocketAddress(localAddress, 0));
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(30_000);
      byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      String request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
      return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** Every endpoint, with a body that would succeed (or change something) if the caller were let in. */
  Map<String, Object> endpoints(String probe) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("/kubesys/kube/createResource", write("cluster-1", configMap(ns, probe, Map.of())));
    out.put("/kubesys/kube/updateResource", write("cluster-1", configMap(ns, probe, Map.of())));
    out.put("/kubesys/kube/createOrUpdateResource", write("cluster-1", configMap(ns, probe, Map.of())));
    out.put("/kubesys/kube/deleteResource", key("ConfigMap", ns, probe, "cluster-1"));
    out.put("/kubesys/kube/getResource", key("ConfigMap", ns, probe, "cluster-1"));
    out.put("/kubesys/kube/listResources", Map.of("fullkind", "ConfigMap", "page", 1, "limit", 5, "region",
        "cluster-1"));
    out.put("/kubesys/kube/countResources", Map.of("fullkind", "ConfigMap", "region", "cluster-1"));
    out.put("/kubesys/kube/getMeta", Map.of("region", "cluster-1"));
    out.put("/kubesys/system/logout", Map.of());
    out.put("/kubesys/system/createUser", Map.of("name", probe, "password", b64("password-1"), "role", "admin"));
    out.put("/kubesys/system/listUsers", Map.of());
    out.put("/kubesys/system/deleteUser", Map.of("name", "admin"));
    out.put("/kubesys/system/setRole", Map.of("name", "admin", "role", "admin"));
    out.put("/kubesys/system/changePassword", Map.of("name", "admin", "password", b64("hijacked-1")));
    out.put("/kubesys/system/putRole", Map.of("name", probe, "grants", List.of()));
    out.put("/kubesys/system/listRoles", Map.of());
    out.put("/kubesys/system/deleteRole", Map.of("name", probe));
    return out;
  }

  @Test
  void everyEndpointNeedsATokenOwnedByTheUser() {
    String probe = unique("probe");
    Session revoked = f.http.login("admin", KubesysFixture.ADMIN_PASSWORD);
    assertOk(f.system("logout", Map.of(), revoked));
    String admin = f.admin.token();
    List<Map<String, String>> badHeaders = List.of(
        Map.of(),
        Map.of("user", "admin"),
        Map.of("authorization", "Bearer " + admin),
        Map.of("authorization", "Bearer " + admin, "user", "someone-else"),
        Map.of("authorization", "Bearer " + admin, "user", "Admin"),
        Map.of("authorization", "Token " + admin, "user", "admin"),
        Map.of("authorization", admin, "user", "admin"),
        Map.of("authorization", "Bearer " + Tokens.newToken(), "user", "admin"),
        Map.of("authorization", "Bearer ' OR 1=1 --", "user", "admin"),
        Map.of("authorization", "Bearer " + revoked.token(), "user", "admin"));
    KubesysFixture.State before = f.state();
    for (var e : endpoints(probe).entrySet()) {
      for (Map<String, String> headers : badHeaders) {
        Reply r = f.http.post(e.getKey(), e.getValue(), headers);
        assertFails(401, r);
      }
    }
    f.assertUnchanged(before);
    assertNull(f.cluster1.configMaps().inNamespace(ns).withName(probe).get());
    // Header names are case-insensitive, the scheme too.
    assertOk(f.http.post("/kubesys/kube/getMeta", Map.of("region", "cluster-1"),
        Map.of("Authorization", "bearer " + admin, "USER", "admin")));
  }

  @Test
  void logoutRevokesOnlyThatToken() {
    Session one = f.http.login("admin", KubesysFixture.ADMIN_PASSWORD);
    Session two = f.http.login("admin", KubesysFixture.ADMIN_PASSWORD);
    Reply out = f.http.post("/kubesys/system/logout", "", Map.of("authorization", "Bearer " + one.token(), "user",
        "admin"));
    assertOk(out);
    assertFails(401, f.kube("getMeta", Map.of("region", "cluster-1"), one));
    assertFails(401, f.system("logout", Map.of(), one));
    assertOk(f.kube("getMeta", Map.of("region", "cluster-1"), two));
    assertOk(f.system("logout", Map.of(), two));
  }

  @Test
  void logoutTakesTheTokenHeaderOfTheKubesysFrontendAndNothingElseDoes() {
    Session s = f.http.login("admin", KubesysFixture.ADMIN_PASSWORD);
    // Every other call refuses the token header alone.
    assertFails(401, f.http.post("/kubesys/kube/getMeta", Map.of("region", "cluster-1"),
        Map.of("token", s.token())));
    assertFails(401, f.http.post("/kubesys/system/listUsers", Map.of(), Map.of("token", s.token())));
    assertFails(401, f.http.post("/kubesys/system/logout", "", Map.of("token", "not-a-token")));
    assertOk(f.kube("getMeta", Map.of("region", "cluster-1"), s));
    // The frontend's logout: the token header, no authorization, no user.
    assertOk(f.http.post("/kubesys/system/logout", "", Map.of("token", s.token())));
    assertFails(401, f.kube("getMeta", Map.of("region", "cluster-1"), s));
    assertFails(401, f.http.post("/kubesys/system/logout", "", Map.of("token", s.token())));
  }

  @Test
  void expiredTokensAreRefused() {
    Session s = f.http.login("admin", KubesysFixture.ADMIN_PASSWORD);
    String probe = unique("expired");
    try {
      f.clock.advance(Duration.ofMinutes(61));
      Reply r = f.kube("getMeta", Map.of("region", "cluster-1"), s);
      assertFails(401, r);
      assertTrue(r.message().contains("expired"), r.message());
      assertFails(401, f.kube("createResource", write("cluster-1", configMap(ns, probe, Map.of())), s));
    } finally {
      f.clock.reset();
    }
    assertNull(f.cluster1.configMaps().inNamespace(ns).withName(probe).get());
    assertOk(f.kube("getMeta", Map.of("region", "cluster-1"), s));
  }

  @Test
  void nativeApiTakesTheSameTokens() {
    assertEquals(200, f.http.request("GET", "/healthz", Map.of()).status());
    assertEquals(200, f.http.raw(HttpRequest.newBuilder(URI.create(f.http.base() + "/metrics")).build())
        .statusCode());
    Reply anonymous = f.http.request("GET", "/api/v1/clusters", Map.of());
    assertEquals(401, anonymous.status());
    assertEquals("Status", anonymous.body().path("kind").asText());
    assertEquals(401, anonymous.body().path("code").asInt());
    assertEquals("Unauthorized", anonymous.body().path("reason").asText());
    Map<String, String> bearer = Map.of("authorization", "Bearer " + f.admin.token());
    assertEquals(200, f.http.request("GET", "/api/v1/clusters", bearer).status());
    assertEquals(200, f.http.request("GET", "/api/v1/clusters/cluster-1/api/v1/namespaces/" + ns + "/configmaps",
        Map.of("authorization", "Bearer " + f.admin.token(), "user", "admin")).status());
    assertEquals(401, f.http.request("GET", "/api/v1/clusters", Map.of("authorization", "Bearer "
        + f.admin.token(), "user", "mallory")).status());
  }

  @Test
  void corsAllowsOnlyConfiguredOrigins() {
    HttpResponse<String> preflight = f.http.raw(HttpRequest.newBuilder(URI.create(f.http.base()
            + "/kubesys/kube/getResource")).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "https://ui.example").header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization, user, content-type").build());
    assertEquals(204, preflight.statusCode());
    assertEquals("https://ui.example", preflight.headers().firstValue("access-control-allow-origin").orElse(null));
    assertTrue(preflight.headers().firstValue("access-control-allow-headers").orElse("").contains("user"));
    HttpResponse<String> foreign = f.http.raw(HttpRequest.newBuilder(URI.create(f.http.base()
            + "/kubesys/kube/getResource")).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "https://evil.example").header("Access-Control-Request-Method", "POST").build());
    assertEquals(403, foreign.statusCode());
    assertTrue(foreign.headers().firstValue("access-control-allow-origin").isEmpty());
    HttpResponse<String> call = f.http.raw(HttpRequest.newBuilder(URI.create(f.http.base()
            + "/kubesys/kube/getMeta")).POST(HttpRequest.BodyPublishers.ofString("{\"region\":\"cluster-1\"}"))
        .header("Origin", "https://ui.example").header("authorization", "Bearer " + f.admin.token())
        .header("user", "admin").build());
    assertEquals(200, call.statusCode());
    assertEquals("https://ui.example", call.headers().firstValue("access-control-allow-origin").orElse(null));
  }
}
