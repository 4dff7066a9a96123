package io.kubebackend.api.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.Await;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestServers;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Bad input to the mirror's Kubernetes API: each request gets the Kubernetes {@code Status} an apiserver would
 * send (code, reason, a message that names the problem), never a stack trace or SQL, and changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractKubeApiBadInputIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";
  private final String ns = "bad-" + UUID.randomUUID().toString().substring(0, 6);
  private RunningBackend kb;
  private KubernetesClient direct;
  private String cms;

  abstract Dialect dialect();

  @BeforeAll
  void start() {
    ClusterSpec s = ClusterSpec.fromKubeconfig("cluster-1", TestServers.kubeconfig(1).toString(), null);
    // podtemplates are served by the apiserver but not mirrored here.
    ClusterSpec c1 = new ClusterSpec(s.id(), s.kubeconfig(), s.kubeconfigContent(), s.context(), s.server(),
        s.token(), s.caData(), List.of(), List.of("podtemplates"), false, false);
    direct = ClusterClients.connect(c1);
    direct.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    for (int i = 0; i < 3; i++) {
      direct.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("cm-" + i)
          .addToLabels("app", "a").endMetadata().build()).create();
    }
    kb = RunningBackend.start(dialect(), c1);
    cms = "/api/v1/clusters/cluster-1/api/v1/namespaces/" + ns + "/configmaps";
    Await.until(Duration.ofSeconds(120), "configmaps mirrored", () -> kb.get(cms + "/cm-2").statusCode() == 200);
  }

  @AfterAll
  void stop() {
    kb.close();
    direct.namespaces().withName(ns).delete();
    direct.close();
  }

  private static String q(String v) {
    return URLEncoder.encode(v, StandardCharsets.UTF_8);
  }

  private HttpResponse<String> get(String path, String accept) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(kb.url(path))).GET();
    if (accept != null) {
      b.header("Accept", accept);
    }
    return kb.send(b);
  }

  /** Asserts the answer is a Failure Status with this code and reason whose message mentions {@code about}. */
  private void assertStatus(HttpResponse<String> r, int code, String reason, String about) throws Exception {
    String what = r.request().uri() + " -> " + r.body();
    assertEquals(code, r.statusCode(), what);
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), what);
    JsonNode s = JSON.readTree(r.body());
    assertEquals("Status", s.path("kind").asText(), what);
    assertEquals("v1", s.path("apiVersion").asText(), what);
    assertEquals("Failure", s.path("status").asText(), what);
    assertEquals(code, s.path("code").asInt(), what);
    assertEquals(reason, s.path("reason").asText(), what);
    assertTrue(s.path("message").asText().toLowerCase().contains(about.toLowerCase()), what);
    for (String leak : List.of("Exception", "java.", "SELECT", "jsonb", "sqlite", "\tat ")) {
      assertFalse(r.body().contains(leak), what);
    }
  }

  private JsonNode list(String query) throws Exception {
    HttpResponse<String> r = get(cms + query, null);
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  @Test
  void badSelectorsAreBadRequests() throws Exception {
    String before = list("").path("items").toString();
    assertStatus(get(cms + "?labelSelector=" + q("app in (a"), null), 400, "BadRequest", "labelSelector");
    assertStatus(get(cms + "?labelSelector=" + q("app=a,=b"), null), 400, "BadRequest", "labelSelector");
    assertStatus(get(cms + "?labelSelector=" + q("a b"), null), 400, "BadRequest", "labelSelector");
    assertStatus(get(cms + "?fieldSelector=" + q("spec.nodeName=n1"), null), 400, "BadRequest", "spec.nodeName");
    assertStatus(get(cms + "?fieldSelector=" + q("metadata.name"), null), 400, "BadRequest", "field selector");
    assertStatus(get(cms + "?watch=true&fieldSelector=" + q("status.phase=Running"), null), 400, "BadRequest",
        "status.phase");
    assertEquals(before, list("").path("items").toString(), "nothing changed");
  }

  @Test
  void continueTokensBelongToTheirQuery() throws Exception {
    String token = list("?limit=1").path("metadata").path("continue").asText();
    assertFalse(token.isEmpty());
    assertEquals(1, list("?limit=1&continue=" + q(token)).path("items").size(), "the token works for its query");
    assertStatus(get(cms + "?limit=1&labelSelector=app%3Da&continue=" + q(token), null), 400, "BadRequest",
        "continue");
    assertStatus(get("/api/v1/clusters/cluster-1/api/v1/namespaces/" + ns + "/secrets?limit=1&continue="
        + q(token), null), 400, "BadRequest", "continue");
    assertStatus(get("/api/v1/clusters/cluster-1/api/v1/configmaps?limit=1&continue=" + q(token), null), 400,
        "BadRequest", "continue");
    assertStatus(get(cms + "?continue=not-a-token", null), 400, "BadRequest", "continue");
    assertStatus(get(cms + "?continue=" + q(token) + "&resourceVersion=1", null), 400, "BadRequest",
        "resource version");
  }

  @Test
  void limitsMustBeWholeNonNegativeNumbers() throws Exception {
    assertStatus(get(cms + "?limit=-1", null), 400, "BadRequest", "negative");
    assertStatus(get(cms + "?limit=99999999999999999999999", null), 400, "BadRequest", "limit");
    assertStatus(get(cms + "?limit=1.5", null), 400, "BadRequest", "limit");
    assertStatus(get(cms + "?limit=ten", null), 400, "BadRequest", "limit");
    // A huge limit is accepted, as by the apiserver: the page is capped and the list is complete.
    JsonNode all = list("?limit=100000000000");
    assertEquals(direct.configMaps().inNamespace(ns).list().getItems().size(), all.path("items").size());
    assertTrue(all.path("metadata").path("continue").asText().isEmpty());
  }

  @Test
  void resourceVersionsAreTheMirrorsChangeNumbers() throws Exception {
    JsonNode before = list("");
    long head = before.path("metadata").path("resourceVersion").asLong();
    assertStatus(get(cms + "?resourceVersion=abc", null), 400, "BadRequest", "resourceVersion");
    assertStatus(get(cms + "?resourceVersion=-5", null), 400, "BadRequest", "resourceVersion");
    long future = head + 1_000_000;
    assertStatus(get(cms + "?resourceVersion=" + future, null), 504, "Timeout", "Too large resource version");
    assertStatus(get(cms + "?watch=true&resourceVersion=" + future, null), 504, "Timeout",
        "Too large resource version");
    assertStatus(get(cms + "?resourceVersion=" + head + "&resourceVersionMatch=Sometimes", null), 422, "Invalid",
        "resourceVersionMatch");
    assertStatus(get(cms + "?watch=true&sendInitialEvents=true", null), 422, "Invalid", "sendInitialEvents");
    assertEquals(before.path("items").toString(), list("").path("items").toString(), "nothing changed");
  }

  @Test
  void kindsThatAreNotMirroredAreNotFound() throws Exception {
    String templates = "/api/v1/clusters/cluster-1/api/v1/namespaces/" + ns + "/podtemplates";
    assertTrue(direct.getApiResources("v1").getResources().stream().anyMatch(r -> r.getName().equals("podtemplates")),
        "the apiserver serves podtemplates");
    assertStatus(get(templates + "?watch=true", null), 404, "NotFound", "does not mirror");
    assertStatus(get(templates, TABLE), 404, "NotFound", "does not mirror");
    String frobs = "/api/v1/clusters/cluster-1/apis/example.com/v1/namespaces/" + ns + "/frobs";
    assertStatus(get(frobs + "?watch=true", null), 404, "NotFound", "frobs");
    assertStatus(get(frobs, TABLE), 404, "NotFound", "frobs");
    assertStatus(get("/api/v1/clusters/_all/apis/example.com/v1/frobs", TABLE), 404, "NotFound", "frobs");
    assertStatus(get("/api/v1/clusters/no-such-cluster/api/v1/configmaps", TABLE), 404, "NotFound",
        "no-such-cluster");
  }

  /** Opens a WebSocket to the path; returns the HTTP status of a refused handshake, or 101 and the messages. */
  private int webSocket(String pathAndQuery, String token, LinkedBlockingQueue<String> messages) {
    WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder();
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    StringBuilder partial = new StringBuilder();
    try {
      WebSocket ws = b.buildAsync(URI.create(kb.url(pathAndQuery).replaceFirst("^http", "ws")),
          new WebSocket.Listener() {
            // Here, not after join(): the first events can arrive before join() returns.
            @Override
            public void onOpen(WebSocket w) {
              messages.add("open");
              w.request(1);
            }

            @Override
            public java.util.concurrent.CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
              partial.append(data);
              if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
              }
              w.request(1);
              return null;
            }
          }).join();
      return 101;
    } catch (CompletionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException h) {
        return h.getResponse().statusCode();
      }
      throw e;
    }
  }

  @Test
  void webSocketWatchesAreCheckedLikeHttpOnesBeforeTheUpgrade() throws Exception {
    LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    String token = RunningBackend.login(kb.backend().port(), "admin", RunningBackend.ADMIN_PASSWORD);
    assertEquals(401, webSocket(cms + "?watch=true", null, messages), "no token");
    assertEquals(401, webSocket(cms + "?watch=true", "not-a-token", messages), "a foreign token");
    assertEquals(400, webSocket(cms + "?watch=true&labelSelector=" + q("app in (a"), token, messages));
    assertEquals(400, webSocket(cms, token, messages), "not a watch");
    assertEquals(404, webSocket("/api/v1/clusters/cluster-1/api/v1/namespaces/" + ns + "/podtemplates?watch=true",
        token, messages));
    assertEquals(List.of(), List.copyOf(messages));
    assertEquals(101, webSocket(cms + "?watch=true&labelSelector=app%3Da", token, messages));
    assertEquals("open", messages.poll(10, TimeUnit.SECONDS));
    List<String> added = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      JsonNode event = JSON.readTree(messages.poll(10, TimeUnit.SECONDS));
      assertEquals("ADDED", event.path("type").asText(), event.toString());
      added.add(event.path("object").path("metadata").path("name").asText());
    }
    assertEquals(List.of("cm-0", "cm-1", "cm-2"), added.stream().sorted().toList());
  }
}
