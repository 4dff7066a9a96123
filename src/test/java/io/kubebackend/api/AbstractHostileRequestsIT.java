package io.kubebackend.api;

import static io.kubebackend.api.SecurityFixture.grant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.kubebackend.api.SecurityFixture.Reply;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The attacks of the security issue, replayed by a user with read and write in one namespace: path injection
 * through every segment in every encoding, and what the cluster list, the query API and the change stream show
 * of the rest. Each refused request is checked against the apiserver read back with admin credentials.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractHostileRequestsIT {
  abstract Dialect dialect();

  SecurityFixture f;
  String rw;

  @BeforeAll
  void start() {
    f = SecurityFixture.shared(dialect());
    rw = f.user("hostile", List.of(grant("c1", f.teamA, "*", true, true), grant("c2", f.teamA, "*", true, true)));
  }

  private void assertRefusedAndUnchanged(String method, String path, String contentType, String body) {
    Map<String, String> before = f.fingerprint("c1");
    Reply r = f.send(method, path, contentType, body, rw);
    String what = method + " " + path + ": " + r;
    assertTrue(r.status() >= 400 && r.status() < 500, "refused with a 4xx: " + what);
    assertTrue(r.contentType().startsWith("application/json"), "a JSON error: " + what);
    JsonNode json = r.json();
    assertEquals(r.status(), json.path("code").asInt(), what);
    assertFalse(r.body().contains(f.secretMarker(f.teamB)), what);
    assertFalse(r.body().contains("Exception") || r.body().contains("io.kubebackend"), "no class names: " + what);
    assertEquals(before, f.fingerprint("c1"), "the cluster changed: " + what);
  }

  @Test
  void theIssuesInjectionsAreRefused() {
    String a = f.teamA;
    String b = f.teamB;
    String jsonPatch = "[{\"op\":\"add\",\"path\":\"/subjects/-\",\"value\":{\"kind\":\"User\",\"name\":\"evil\","
        + "\"apiGroup\":\"rbac.authorization.k8s.io\"}}]";
    assertRefusedAndUnchanged("PATCH", "/api/v1/clusters/c1/apis/rbac.authorization.k8s.io/v1%2Fclusterrolebindings%2F"
        + f.victim + "%3F/namespaces/" + a + "/roles/x", "application/json-patch+json", jsonPatch);
    assertRefusedAndUnchanged("DELETE", "/api/v1/clusters/c1/apis/rbac.authorization.k8s.io/v1%2Fclusterrolebindings%2F"
        + f.victim + "%3F/namespaces/" + a + "/roles/x", null, null);
    assertRefusedAndUnchanged("DELETE", "/api/v1/clusters/c1/api/v1%2Fnamespaces%2F" + b
        + "%2Fconfigmaps%3FlabelSelector%3Dkb-security%3D" + f.run + "%23/namespaces/" + a + "/configmaps/x", null,
        null);
    assertRefusedAndUnchanged("PATCH", "/api/v1/clusters/c1/api/v1%2Fnamespaces%2F" + b + "%2Fsecrets%2Fseed%3F"
        + "/namespaces/" + a + "/configmaps/x", "application/merge-patch+json", "{}");
    assertRefusedAndUnchanged("POST", "/api/v1/clusters/c1/api/v1/namespaces/" + b + "/bindings",
        "application/json", "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"seed\"},"
            + "\"target\":{\"kind\":\"Node\",\"name\":\"" + SecurityFixture.BINDING_NODE + "\"}}");
    assertRefusedAndUnchanged("POST", "/api/v1/clusters/c1/apis/authentication.k8s.io/v1/selfsubjectreviews",
        "application/json", "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"SelfSubjectReview\"}");
  }

  /** Every encoded form of a separator, a traversal or an escape that could change where a path points. */
  private static final List<String> ESCAPES = List.of("%2F", "%2f", "%3F", "%3f", "%23", "%2E%2E", "%2e%2e", "..",
      "%25", "%252F", "%255C", "%5C", "%00", "%0A", "%20", "%2F..%2F", "..%2F..%2F", "%C0%AF", ";", "%3B");

  /**
   * One test per path segment and escape, sending it with every method and suffix; the apiserver is read back
   * before and after each group (per request it would take minutes on the shared machine).
   */
  @TestFactory
  Stream<DynamicTest> everyEncodedSeparatorInEverySegmentIsRefused() {
    List<DynamicTest> tests = new ArrayList<>();
    // The segments of a namespaced object path and of the victim binding's path.
    List<List<String>> paths = List.of(
        List.of("c1", "api", "v1", "namespaces", f.teamA, "configmaps", "seed"),
        List.of("c1", "apis", "rbac.authorization.k8s.io", "v1", "clusterrolebindings", f.victim));
    for (List<String> segments : paths) {
      for (int i = 0; i < segments.size(); i++) {
        if (List.of("api", "apis", "namespaces").contains(segments.get(i))) {
          continue; // literal route words: changing one makes another route, which the rest of the suite tries
        }
        int at = i;
        for (String escape : ESCAPES) {
          tests.add(DynamicTest.dynamicTest(segments.get(at) + " + " + escape, () -> {
            Map<String, String> before = f.fingerprint("c1");
            for (String suffix : List.of("", "%2F..%2F" + f.teamB)) {
              List<String> hostile = new ArrayList<>(segments);
              hostile.set(at, segments.get(at) + escape + suffix);
              String path = "/api/v1/clusters/" + String.join("/", hostile);
              for (String method : List.of("GET", "PUT", "PATCH", "DELETE", "POST")) {
                if (method.equals("POST") && at == segments.size() - 1) {
                  continue; // POST goes to the collection: the hostile name segment is not sent
                }
                injected(method, path);
              }
            }
            assertEquals(before, f.fingerprint("c1"), "the cluster changed: " + segments.get(at) + " + " + escape);
          }));
        }
      }
    }
    return tests.stream();
  }

  private void injected(String method, String path) {
    String body = switch (method) {
      case "PUT", "POST" -> "{\"metadata\":{\"name\":\"seed\"},\"data\":{\"k\":\"hacked\"}}";
      case "PATCH" -> "{\"metadata\":{\"labels\":{\"hacked\":\"x\"}}}";
      default -> null;
    };
    String contentType = method.equals("PATCH") ? "application/merge-patch+json" : body == null ? null
        : "application/json";
    String target = method.equals("POST") ? path.substring(0, path.lastIndexOf('/')) : path;
    Reply r = f.send(method, target, contentType, body, rw);
    String what = method + " " + target + ": " + r;
    assertTrue(r.contentType().startsWith("application/json"), "JSON: " + what);
    assertFalse(r.body().contains(f.secretMarker(f.teamB)), what);
    assertTrue(r.status() >= 400 && r.status() < 500, "refused with a 4xx: " + what);
  }

  @Test
  void theClusterListShowsOnlyReadableClustersAndNoSecrets() throws Exception {
    String marker = "leak-" + f.run;
    HttpServer fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    fake.createContext("/", ex -> {
      byte[] b = ("<html>" + marker + "-body " + ex.getRequestHeaders().getFirst("Authorization") + "</html>")
          .getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(401, b.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(b);
      }
    });
    fake.start();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream err = System.err;
    System.setErr(new PrintStream(new TeeStream(err, log), true));
    try {
      ObjectNode reg = SecurityFixture.JSON.createObjectNode().put("id", "hidden")
          .put("server", "http://kbuser:" + marker + "-pw@127.0.0.1:" + fake.getAddress().getPort())
          .put("token", marker + "-token");
      Reply created = f.send("POST", "/api/v1/clusters", "application/json", reg.toString(), f.adminToken);
      assertEquals(201, created.status(), created.toString());
      Await.until(Duration.ofSeconds(60), "the hidden cluster's error", () ->
          !f.send("GET", "/api/v1/clusters/hidden", null, null, f.adminToken).json().path("lastError").isNull());
      Reply admin = f.send("GET", "/api/v1/clusters", null, null, f.adminToken);
      String lastError = null;
      for (JsonNode c : admin.json()) {
        if (c.path("id").asText().equals("hidden")) {
          lastError = c.path("lastError").asText();
        }
      }
      assertTrue(lastError != null && lastError.contains("401"), "the error is summarised: " + admin);
      for (Reply r : List.of(admin, f.send("GET", "/api/v1/clusters/hidden", null, null, f.adminToken))) {
        assertFalse(r.body().contains(marker), "no credentials or foreign body in the answer: " + r);
      }
      Set<String> seen = new TreeSet<>();
      for (JsonNode c : f.send("GET", "/api/v1/clusters", null, null, rw).json()) {
        seen.add(c.path("id").asText());
      }
      assertFalse(seen.contains("hidden"), "a cluster without grants is not listed: " + seen);
      assertTrue(seen.containsAll(List.of("c1", "c2")), seen.toString());
      assertEquals(403, f.send("GET", "/api/v1/clusters/hidden", null, null, rw).status());
      String none = f.user("nothing", List.of(grant("elsewhere", "*", "*", true, false)));
      assertEquals("[]", f.send("GET", "/api/v1/clusters", null, null, none).json().toString());
    } finally {
      System.setErr(err);
      f.send("DELETE", "/api/v1/clusters/hidden", null, null, f.adminToken);
      fake.stop(0);
    }
    assertFalse(log.toString(StandardCharsets.UTF_8).contains(marker), "no credentials or foreign body in the log");
  }

  @Test
  void queriesAggregatesAndTheChangeStreamShowOnlyTheGrant() throws Exception {
    JsonNode list = f.send("GET", "/api/v1/query?cluster=c1&limit=10000", null, null, rw).json();
    assertTrue(list.path("items").size() > 0, list.toString());
    for (JsonNode item : list.path("items")) {
      assertEquals(f.teamA, item.path("metadata").path("namespace").asText(), item.toString());
    }
    JsonNode groups = f.send("GET", "/api/v1/aggregate?groupBy=cluster,namespace", null, null, rw).json();
    for (JsonNode g : groups.path("groups")) {
      assertEquals(f.teamA, g.path("keys").path("namespace").asText(), groups.toString());
    }
    // Changes in both namespaces; the stream of the caller shows only its own.
    f.cluster1.configMaps().inNamespace(f.teamB).withName("seed").edit(c -> {
      c.getData().put("changed", "b");
      return c;
    });
    f.cluster1.configMaps().inNamespace(f.teamA).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName("stream-" + System.nanoTime()).addToLabels(f.label, f.run).endMetadata()
        .build()).create();
    List<String> namespaces = streamNamespaces(Duration.ofSeconds(3));
    assertFalse(namespaces.isEmpty(), "some events were streamed");
    for (String ns : namespaces) {
      assertEquals(f.teamA, ns, "events of the granted namespace only: " + namespaces);
    }
  }

  /** The namespaces of the events the caller's change stream sends from the oldest, for a while. */
  private List<String> streamNamespaces(Duration window) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.backend.port()
        + "/api/v1/changes?from=oldest")).header("authorization", "Bearer " + rw).build();
    HttpResponse<InputStream> res = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, res.statusCode());
    List<String> out = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
      try (InputStream in = res.body()) {
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
          synchronized (text) {
            text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
          }
        }
      } catch (Exception e) {
        // closed below
      }
    });
    Thread.sleep(window.toMillis());
    reader.cancel(true);
    res.body().close();
    synchronized (text) {
      for (String line : text.toString().split("\n")) {
        if (line.startsWith("data: ")) {
          out.add(SecurityFixture.JSON.readTree(line.substring(6)).path("namespace").asText());
        }
      }
    }
    return out;
  }

  /** Copies what is written to a stream into a buffer as well. */
  private static final class TeeStream extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    TeeStream(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
