package io.kubebackend.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.kubebackend.api.SecurityFixture.Reply;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.Await;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random and hostile values in every field and path segment of every endpoint, sent as the admin (the caller who
 * could do the most harm). For every request: no 5xx; a refusal is a JSON error of the endpoint's shape naming no
 * Java class, SQL or stack frame; a request whose hostile value made it invalid changes nothing, in the database
 * (auth tables, registered clusters, the fixture's rows) or in the cluster (read back with admin credentials).
 * Afterwards the mirror still follows the cluster.
 *
 * <p>Each scenario puts the hostile value into one place of an otherwise valid request; for writes the value
 * always breaks that place's syntax (so the request must be refused), for reads it may be anything.
 */
abstract class AbstractHostileInputFuzzIT {
  private static final Pattern INTERNALS = Pattern.compile(
      "(?i)(exception|io\\.kubebackend|java\\.|jdbc|sqlite|postgres|select |insert |syntax error|\\bat [a-z]+\\.)");
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  abstract Dialect dialect();

  SecurityFixture f() {
    return SecurityFixture.shared(dialect());
  }

  /** Where a hostile value goes: builds the request, and says whether it could write. */
  record Scenario(String name, boolean write, Function<String, HttpRequest> request) {
    @Override
    public String toString() {
      return name;
    }
  }

  // ---- values ----

  private static final List<String> NASTY = List.of("", " ", "..", ".", "../kube-system", "a/b", "%2e%2e", "%2F",
      "?x=1", "#frag", "%", "%zz", "\u0000", "a\u0000b", "\n", "\r\nX-Injected: 1", "\\", "\\u0000", "\"", "'",
      "' OR '1'='1", "1; DROP TABLE objects; --", "${jndi:ldap://127.0.0.1/x}", "<script>x</script>", "\uD83D\uDE00",
      "\uD800", "\uFFFF", "\u202E", "NaN", "-1", "1e309", "99999999999999999999", "null", "true", "{}", "[]",
      "{\"a\":", "*", "A".repeat(300), "a".repeat(70_000), "x".repeat(64), "UPPER", "-lead", "trail-", "a..b",
      "a_b", "ä", "$.metadata", "metadata##labels", "##");

  /** Anything, including values that may be valid somewhere (for reads and filters). */
  @Provide
  Arbitrary<String> anything() {
    return Arbitraries.oneOf(Arbitraries.of(NASTY), Arbitraries.strings().ofMaxLength(40),
        Arbitraries.strings().withChars("abc-./%?#\\\"'*:@ \u0000\n").ofMinLength(1).ofMaxLength(30));
  }

  /**
   * A value no Kubernetes name, namespace, group, version, kind or cluster id can be, and never empty (scenarios
   * append it to a valid prefix). Where a field's syntax is wider (user names allow '.', '-' and capitals), the
   * scenario adds a character the field never allows.
   */
  @Provide
  Arbitrary<String> invalidName() {
    Arbitrary<String> breaker = Arbitraries.of("/", "%", "?", "#", "\\", "\"", "'", " ", "\u0000", "\n", "..", "ä",
        "\uD83D\uDE00", "<", ";", "*", "$", "{", "UPPER");
    return Arbitraries.oneOf(
        Arbitraries.of("..", ".", "-", "x".repeat(254), "a..b", "-lead", "trail-", "../kube-system"),
        Arbitraries.strings().alpha().numeric().ofMaxLength(10).flatMap(head -> breaker.flatMap(b ->
            Arbitraries.strings().alpha().numeric().ofMaxLength(10).map(tail -> head + b + tail))));
  }

  // ---- scenarios ----

  private String base() {
    return "http://127.0.0.1:" + f().backend.port();
  }

  private HttpRequest nativeRequest(String method, String path, String contentType, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30))
        .header("authorization", "Bearer " + f().adminToken)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("content-type", contentType);
    }
    return b.build();
  }

  private HttpRequest kubesys(String op, Object body) {
    String json;
    try {
      json = body instanceof String s ? s : SecurityFixture.JSON.writeValueAsString(body);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return HttpRequest.newBuilder(URI.create(base() + op)).timeout(Duration.ofSeconds(30))
        .header("authorization", "Bearer " + f().adminToken).header("user", "admin")
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
  }

  private static String enc(String v) {
    return URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String b64(String v) {
    return Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8));
  }

  /** Object paths with one hostile segment, every write method. */
  List<Scenario> pathScenarios() {
    String a = f().teamA;
    List<Scenario> out = new ArrayList<>();
    List<String> segments = List.of("c1", "v1", a, "configmaps", "seed");
    for (int i = 0; i < segments.size(); i++) {
      int at = i;
      for (String method : List.of("GET", "PUT", "PATCH", "DELETE")) {
        out.add(new Scenario(method + " object path segment " + at, !method.equals("GET"), v -> {
          List<String> s = new ArrayList<>(segments);
          s.set(at, enc(v));
          String path = "/api/v1/clusters/" + s.get(0) + "/api/" + s.get(1) + "/namespaces/" + s.get(2) + "/"
              + s.get(3) + "/" + s.get(4);
          String body = method.equals("GET") || method.equals("DELETE") ? null
              : method.equals("PATCH") ? "{\"data\":{\"fuzz\":\"x\"}}" : "{\"data\":{\"fuzz\":\"x\"}}";
          return nativeRequest(method, path, method.equals("PATCH") ? "application/merge-patch+json"
              : body == null ? null : "application/json", body);
        }));
      }
    }
    out.add(new Scenario("GET group segment", false, v -> nativeRequest("GET", "/api/v1/clusters/c1/apis/" + enc(v)
        + "/v1/deployments", null, null)));
    out.add(new Scenario("POST collection namespace", true, v -> nativeRequest("POST", "/api/v1/clusters/c1/api/v1"
        + "/namespaces/" + enc(v) + "/configmaps", "application/json", "{\"metadata\":{\"name\":\"fuzz\"}}")));
    return out;
  }

  /** Native bodies with one hostile field (always invalid for it), and malformed documents. */
  List<Scenario> bodyScenarios() {
    String a = f().teamA;
    String cm = "/api/v1/clusters/c1/api/v1/namespaces/" + a + "/configmaps";
    List<Scenario> out = new ArrayList<>();
    for (String field : List.of("apiVersion", "kind", "metadata.name", "metadata.namespace")) {
      out.add(new Scenario("POST configmap " + field, true, v -> {
        ObjectNode o = SecurityFixture.JSON.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
        ObjectNode meta = o.putObject("metadata").put("name", "fuzz-ok").put("namespace", a);
        switch (field) {
          case "apiVersion" -> o.put("apiVersion", "v1" + v);
          case "kind" -> o.put("kind", "ConfigMap" + v);
          case "metadata.name" -> meta.put("name", v);
          default -> meta.put("namespace", a + v);
        }
        return nativeRequest("POST", cm, "application/json", o.toString());
      }));
    }
    out.add(new Scenario("PUT malformed document", true, v -> nativeRequest("PUT", cm + "/seed", "application/json",
        "{\"metadata\":{\"name\":\"seed\"},\"data\":{\"k\":\"x\"}}" + (v.isEmpty() ? "x" : v.replace("}", "")))));
    out.add(new Scenario("PATCH malformed document", true, v -> nativeRequest("PATCH", cm + "/seed",
        "application/merge-patch+json", "{\"data\":{\"k\":\"x\"}} {" + v)));
    out.add(new Scenario("PATCH content type", true, v -> nativeRequest("PATCH", cm + "/seed",
        "application/x-" + v.replaceAll("[^a-z]", ""), "{\"data\":{\"k\":\"x\"}}")));
    out.add(new Scenario("POST cluster id", true, v -> nativeRequest("POST", "/api/v1/clusters", "application/json",
        SecurityFixture.JSON.createObjectNode().put("id", "fuzz" + v + "_").put("server", "https://127.0.0.1:1")
            .toString())));
    out.add(new Scenario("POST cluster server", true, v -> nativeRequest("POST", "/api/v1/clusters",
        "application/json", SecurityFixture.JSON.createObjectNode().put("id", "fuzz-server")
            .put("server", "ftp://" + v).toString())));
    out.add(new Scenario("POST cluster kubeconfig", true, v -> nativeRequest("POST", "/api/v1/clusters",
        "application/json", SecurityFixture.JSON.createObjectNode().put("id", "fuzz-kc").put("kubeconfig",
            "clusters:\n- name: x\n  cluster:\n    server: file:///" + v + "\n").toString())));
    out.add(new Scenario("POST cluster unknown field", true, v -> nativeRequest("POST", "/api/v1/clusters",
        "application/json", "{\"id\":\"fuzz-f\",\"server\":\"https://127.0.0.1:1\",\"x" + v.replace("\"", "")
            + "\":1}")));
    return out;
  }

  /** Query parameters and headers of the read endpoints (any value: they never write). */
  List<Scenario> queryScenarios() {
    List<Scenario> out = new ArrayList<>();
    for (String p : List.of("cluster", "namespace", "kind", "group", "resource", "labelSelector", "field", "sort",
        "limit", "continue", "fields", "nameContains", "ownerUid", "descendantsOf", "createdSince", "createdBefore",
        "total", "nonsense")) {
      out.add(new Scenario("query " + p, false, v -> nativeRequest("GET", "/api/v1/query?" + p + "=" + enc(v), null,
          null)));
    }
    for (String p : List.of("groupBy", "limit", "labelSelector", "field")) {
      out.add(new Scenario("aggregate " + p, false, v -> nativeRequest("GET", "/api/v1/aggregate?groupBy=cluster&"
          + p + "=" + enc(v), null, null)));
    }
    for (String p : List.of("limit", "continue")) {
      out.add(new Scenario("native list " + p, false, v -> nativeRequest("GET", "/api/v1/clusters/c1/api/v1"
          + "/namespaces/" + f().teamA + "/configmaps?" + p + "=" + enc(v), null, null)));
    }
    for (String p : List.of("from", "format")) {
      out.add(new Scenario("changes " + p, false, v -> nativeRequest("GET", "/api/v1/changes?" + p + "=" + enc(v),
          null, null)));
    }
    return out;
  }

  /** Every kubesys endpoint, one hostile field each. */
  List<Scenario> kubesysScenarios() {
    String a = f().teamA;
    List<Scenario> out = new ArrayList<>();
    out.add(new Scenario("login name", false, v -> kubesys("/kubesys/system/login",
        Map.of("kind", "User", "data", Map.of("name", v, "password", b64("whatever-pw"))))));
    out.add(new Scenario("login password", false, v -> kubesys("/kubesys/system/login",
        Map.of("kind", "User", "data", Map.of("name", "admin", "password", v)))));
    out.add(new Scenario("createUser name", true, v -> kubesys("/kubesys/system/createUser",
        Map.of("name", "u" + v + "/", "password", b64("fuzz-password"), "role", "admin"))));
    out.add(new Scenario("createUser password not base64 of UTF-8", true, v -> kubesys("/kubesys/system/createUser",
        Map.of("name", "fuzzuser", "password", "%" + v, "role", "admin"))));
    out.add(new Scenario("createUser role", true, v -> kubesys("/kubesys/system/createUser",
        Map.of("name", "fuzzuser", "password", b64("fuzz-password"), "role", "r" + v))));
    out.add(new Scenario("setRole", true, v -> kubesys("/kubesys/system/setRole",
        Map.of("name", "admin", "role", "r" + v))));
    out.add(new Scenario("deleteUser", true, v -> kubesys("/kubesys/system/deleteUser", Map.of("name", "u" + v))));
    out.add(new Scenario("deleteRole", true, v -> kubesys("/kubesys/system/deleteRole", Map.of("name", "r" + v))));
    out.add(new Scenario("changePassword name", true, v -> kubesys("/kubesys/system/changePassword",
        Map.of("name", "u" + v, "password", b64("new-password-1")))));
    out.add(new Scenario("changePassword password", true, v -> kubesys("/kubesys/system/changePassword",
        Map.of("name", "admin", "password", "%" + v))));
    for (String field : List.of("cluster", "namespace", "kind")) {
      out.add(new Scenario("putRole grant " + field, true, v -> {
        ObjectNode g = SecurityFixture.JSON.createObjectNode().put("cluster", "c1").put("namespace", a)
            .put("kind", "*").put("read", true).put("write", true);
        g.put(field, field.equals("kind") ? "Kind" + v + "-" : "x" + v + "_");
        ObjectNode body = SecurityFixture.JSON.createObjectNode().put("name", "fuzz-role");
        body.putArray("grants").add(g);
        return kubesys("/kubesys/system/putRole", body.toString());
      }));
    }
    for (String field : List.of("read", "write")) {
      out.add(new Scenario("putRole grant " + field + " not a boolean", true, v -> {
        ObjectNode g = SecurityFixture.JSON.createObjectNode().put("cluster", "c1").put("namespace", a)
            .put("kind", "*").put("read", true).put("write", true);
        g.put(field, v.equals("true") || v.equals("false") ? v + "x" : v);
        ObjectNode body = SecurityFixture.JSON.createObjectNode().put("name", "fuzz-role");
        body.putArray("grants").add(g);
        return kubesys("/kubesys/system/putRole", body.toString());
      }));
    }
    out.add(new Scenario("putRole null grant", true, v -> kubesys("/kubesys/system/putRole",
        "{\"name\":\"fuzz-role\",\"grants\":[null" + (v.isEmpty() ? "" : ",null") + "]}")));
    out.add(new Scenario("putRole name", true, v -> kubesys("/kubesys/system/putRole",
        Map.of("name", "r" + v + "_", "grants", List.of()))));
    for (String field : List.of("region", "apiVersion", "kind", "name", "namespace")) {
      for (String op : List.of("createResource", "updateResource", "createOrUpdateResource")) {
        out.add(new Scenario(op + " " + field, true, v -> {
          ObjectNode data = SecurityFixture.JSON.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
          ObjectNode meta = data.putObject("metadata").put("name", "fuzz-cm").put("namespace", a);
          String region = "c1";
          switch (field) {
            case "region" -> region = "c1" + v;
            case "apiVersion" -> data.put("apiVersion", "v1" + v);
            case "kind" -> data.put("kind", "ConfigMap" + v);
            case "name" -> meta.put("name", v);
            default -> meta.put("namespace", a + v);
          }
          ObjectNode body = SecurityFixture.JSON.createObjectNode().put("region", region);
          body.set("data", data);
          return kubesys("/kubesys/kube/" + op, body.toString());
        }));
      }
    }
    for (String field : List.of("region", "fullkind", "name", "namespace")) {
      for (String op : List.of("deleteResource", "getResource")) {
        out.add(new Scenario(op + " " + field, op.startsWith("delete"), v -> {
          Map<String, String> key = new TreeMap<>(Map.of("region", "c1", "fullkind", "ConfigMap", "name", "seed",
              "namespace", a));
          key.put(field, (field.equals("name") ? "" : key.get(field)) + v);
          return kubesys("/kubesys/kube/" + op, key);
        }));
      }
    }
    for (String op : List.of("listResources", "countResources")) {
      out.add(new Scenario(op + " label key", false, v -> kubesys("/kubesys/kube/" + op,
          Map.of("region", "c1", "fullkind", "ConfigMap", "labels", Map.of(v, "x")))));
      out.add(new Scenario(op + " label value", false, v -> kubesys("/kubesys/kube/" + op,
          Map.of("region", "c1", "fullkind", "ConfigMap", "labels", Map.of("metadata##name", v)))));
      out.add(new Scenario(op + " fullkind", false, v -> kubesys("/kubesys/kube/" + op,
          Map.of("region", "c1", "fullkind", v))));
      out.add(new Scenario(op + " page/limit", false, v -> kubesys("/kubesys/kube/" + op,
          "{\"region\":\"c1\",\"fullkind\":\"ConfigMap\",\"page\":" + SecurityFixture.JSON.valueToTree(v)
              + ",\"limit\":" + (v.matches("-?[0-9]{1,12}") ? v : "\"" + v.replaceAll("[\"\\\\\\p{Cntrl}]", "") + "\"")
              + "}")));
    }
    out.add(new Scenario("getMeta region", false, v -> kubesys("/kubesys/kube/getMeta", Map.of("region", v))));
    out.add(new Scenario("kubesys body", true, v -> kubesys("/kubesys/kube/createResource", v)));
    return out;
  }

  @Provide
  Arbitrary<Scenario> writes() {
    List<Scenario> all = new ArrayList<>();
    for (List<Scenario> s : List.of(pathScenarios(), bodyScenarios(), kubesysScenarios())) {
      s.stream().filter(Scenario::write).forEach(all::add);
    }
    return Arbitraries.of(all);
  }

  @Provide
  Arbitrary<Scenario> reads() {
    List<Scenario> all = new ArrayList<>();
    for (List<Scenario> s : List.of(pathScenarios(), bodyScenarios(), kubesysScenarios(), queryScenarios())) {
      s.stream().filter(x -> !x.write()).forEach(all::add);
    }
    return Arbitraries.of(all);
  }

  // ---- properties ----

  @Property(tries = 400)
  void hostileWritesAreRefusedAndChangeNothing(@ForAll("writes") Scenario s, @ForAll("invalidName") String value) {
    HttpRequest request = request(s, value);
    if (request == null) {
      return;
    }
    String db = databaseState();
    Map<String, String> c1 = f().fingerprint("c1");
    Reply r = send(request);
    String what = s + " with " + printable(value) + ": " + r;
    assertRefusal(request, r, what);
    assertEquals(db, databaseState(), "the database changed: " + what);
    assertEquals(c1, f().fingerprint("c1"), "the cluster changed: " + what);
  }

  @Property(tries = 400)
  void hostileReadsNeverFail(@ForAll("reads") Scenario s, @ForAll("anything") String value) {
    HttpRequest request = request(s, value);
    if (request == null) {
      return;
    }
    String db = databaseState();
    Reply r = send(request);
    String what = s + " with " + printable(value) + ": " + r;
    assertTrue(r.status() < 500, "no server error: " + what);
    if (r.status() >= 400) {
      assertRefusal(request, r, what);
    }
    assertEquals(db, databaseState(), "a read changed the database: " + what);
  }

  @Property(tries = 1)
  void theMirrorStillFollowsTheClusterAfterwards() {
    String name = "after-fuzz-" + System.nanoTime();
    f().cluster1.configMaps().inNamespace(f().teamA).resource(new ConfigMapBuilder().withNewMetadata()
        .withName(name).addToLabels(f().label, f().run).endMetadata().build()).create();
    Await.until(Duration.ofSeconds(30), "the mirror to store " + name, () -> f().send("GET",
        "/api/v1/clusters/c1/api/v1/namespaces/" + f().teamA + "/configmaps/" + name, null, null, f().adminToken)
        .status() == 200);
    assertEquals(200, f().send("GET", "/healthz", null, null, null).status());
  }

  /** The request, or null when the value cannot be put on the wire (a header or URL the client refuses). */
  private static HttpRequest request(Scenario s, String value) {
    try {
      return s.request().apply(value);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static Reply send(HttpRequest request) {
    try {
      HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body());
    } catch (java.net.http.HttpTimeoutException e) {
      // Only a change stream that accepted its parameters streams on; it wrote nothing.
      if (request.uri().getPath().equals("/api/v1/changes")) {
        return new Reply(200, "text/event-stream", "");
      }
      throw new AssertionError("no answer to " + request.uri(), e);
    } catch (Exception e) {
      throw new AssertionError("no answer to " + request.uri(), e);
    }
  }

  private static void assertRefusal(HttpRequest request, Reply r, String what) {
    assertTrue(r.status() >= 400 && r.status() < 500, "refused with a 4xx: " + what);
    assertTrue(r.contentType().startsWith("application/json"), "a JSON error: " + what);
    JsonNode body = r.json();
    if (request.uri().getPath().startsWith("/kubesys/")) {
      assertEquals(r.status() * 100, body.path("code").asInt(), "the kubesys shape: " + what);
    } else {
      assertEquals(r.status(), body.path("code").asInt(), "the native shape: " + what);
      assertFalse(body.path("reason").asText().isEmpty(), what);
    }
    String message = body.path("message").asText("");
    assertFalse(INTERNALS.matcher(message).find(), "no class names, SQL or frames: " + what);
  }

  /** What the fuzz must not change in the database: auth tables, clusters, and the fixture's rows. */
  private String databaseState() {
    StringBuilder out = new StringBuilder();
    try (Connection c = f().backend.database().connection()) {
      for (String sql : List.of("SELECT name, password_hash, role FROM auth_users ORDER BY name",
          "SELECT role, cluster, namespace, kind, can_read, can_write FROM auth_grants ORDER BY 1, 2, 3, 4",
          "SELECT name FROM auth_roles ORDER BY name", "SELECT id FROM clusters ORDER BY id",
          "SELECT cluster, resource, namespace, name, resource_version FROM objects WHERE namespace IN ('"
              + f().teamA + "', '" + f().teamB + "') OR name = '" + f().victim + "' ORDER BY 1, 2, 3, 4")) {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
          int cols = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            for (int i = 1; i <= cols; i++) {
              out.append(rs.getString(i)).append('|');
            }
            out.append('\n');
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }

  private static String printable(String v) {
    String cut = v.length() > 80 ? v.substring(0, 80) + "...(" + v.length() + ")" : v;
    StringBuilder out = new StringBuilder("\"");
    cut.chars().forEach(ch -> out.append(ch < 0x20 ? String.format("\\u%04x", ch) : String.valueOf((char) ch)));
    return out.append('"').toString();
  }
}
