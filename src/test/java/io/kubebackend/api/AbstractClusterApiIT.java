package io.kubebackend.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.Await;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestServers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Registering clusters at runtime through the API, on both databases. */
abstract class AbstractClusterApiIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  abstract Dialect dialect();

  private RunningBackend kb;
  private final String id = "rt-" + UUID.randomUUID().toString().substring(0, 8);

  @BeforeEach
  void setUp() {
    kb = RunningBackend.start(dialect());
  }

  @AfterEach
  void tearDown() {
    kb.close();
  }

  private String registration(String clusterId) throws Exception {
    ObjectNode body = JSON.createObjectNode();
    body.put("id", clusterId);
    body.put("kubeconfig", Files.readString(TestServers.kubeconfig(2)));
    body.putArray("exclude").add("events");
    return body.toString();
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void registeredClusterIsMirroredSurvivesRestartAndIsRemovedWithItsRows() throws Exception {
    HttpResponse<String> created = kb.post("/api/v1/clusters", registration(id));
    assertEquals(201, created.statusCode(), created.body());
    assertEquals("api", json(created).path("source").asText());
    Await.until(Duration.ofSeconds(60), "kube-system mirrored", () ->
        kb.get("/api/v1/clusters/" + id + "/api/v1/namespaces/kube-system").statusCode() == 200);

    String token = JSON.readTree(registration(id)).path("kubeconfig").asText();
    String keyData = token.substring(token.indexOf("client-key-data: ") + 17, token.indexOf("client-key-data: ") + 60);
    try (Connection c = kb.backend().database().connection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT spec FROM clusters")) {
      assertTrue(rs.next());
      assertFalse(rs.getString(1).contains(keyData), "credentials stored in plain text");
    }
    assertFalse(kb.get("/api/v1/clusters/" + id).body().contains(keyData), "credentials returned");
    JsonNode detail = json(kb.get("/api/v1/clusters/" + id));
    assertTrue(detail.path("resources").size() > 40, "sync status per resource");
    for (JsonNode r : detail.path("resources")) {
      assertFalse(r.path("resource").asText().equals("events"), "excluded resource mirrored");
    }

    assertEquals(409, kb.post("/api/v1/clusters", registration(id)).statusCode(), "duplicate id");

    kb.restart();
    Await.until(Duration.ofSeconds(60), "stored cluster mirrored again after restart", () ->
        kb.get("/api/v1/clusters/" + id + "/api/v1/namespaces/default").statusCode() == 200);

    HttpResponse<String> removed = kb.delete("/api/v1/clusters/" + id);
    assertEquals(200, removed.statusCode(), removed.body());
    Await.until(Duration.ofSeconds(30), "rows removed", () -> kb.backend().store().count(id) == 0);
    assertEquals(404, kb.get("/api/v1/clusters/" + id).statusCode());
    assertEquals(404, kb.delete("/api/v1/clusters/" + id).statusCode());
    kb.restart();
    assertEquals(404, kb.get("/api/v1/clusters/" + id).statusCode(), "removal is permanent");
  }

  @Test
  void badRegistrationsAreRefusedAndChangeNothing() throws Exception {
    String good = registration(id);
    ObjectNode execBody = (ObjectNode) JSON.readTree(good);
    execBody.put("kubeconfig", execBody.path("kubeconfig").asText()
        .replace("client-key-data:", "exec: {command: /bin/sh}\n    client-key-data:"));
    String exec = execBody.toString();
    String[][] cases = {
        {"not json", "invalid registration body"},
        {"{\"id\":\"" + id + "\",\"kubeconfig\":\"x\",\"surprise\":1}", "surprise"},
        {good.replace(id, "Bad_Id"), "cluster id must match"},
        {good.replace(id, "' OR 1=1 --"), "cluster id must match"},
        {"{\"id\":\"" + id + "\"}", "exactly one of"},
        {"{\"id\":\"" + id + "\",\"server\":\"file:///etc/passwd\",\"token\":\"t\"}", "http(s) URL"},
        {exec, "'exec' is not accepted"},
    };
    for (String[] c : cases) {
      HttpResponse<String> r = kb.post("/api/v1/clusters", c[0]);
      assertEquals(400, r.statusCode(), c[0] + " -> " + r.body());
      JsonNode err = json(r);
      assertEquals(400, err.path("code").asInt());
      assertEquals("BadRequest", err.path("reason").asText());
      assertTrue(err.path("message").asText().contains(c[1]), r.body());
    }
    assertEquals("[]", kb.get("/api/v1/clusters").body(), "nothing registered");
    try (Connection c = kb.backend().database().connection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM clusters")) {
      rs.next();
      assertEquals(0, rs.getInt(1));
    }
  }
}
