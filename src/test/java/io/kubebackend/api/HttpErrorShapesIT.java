package io.kubebackend.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.RunningBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Answers that no handler writes (no route, a body too large, a URI Jetty cannot parse, a URI or headers too long)
 * are JSON in the shape of the API they were sent to, like every other error. Sent over a raw socket, since an HTTP
 * client library refuses to send most of them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpErrorShapesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private RunningBackend kb;

  @BeforeAll
  void start() {
    kb = RunningBackend.start(Dialect.SQLITE);
  }

  @AfterAll
  void stop() {
    kb.close();
  }

  /** Status, content type and body of a raw HTTP/1.1 exchange. */
  private record Answer(int status, String contentType, String body) {}

  private Answer raw(String requestLineTarget, String method, String extraHeaders, String body) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", kb.backend().port()), 5_000);
      s.setSoTimeout(30_000);
      byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      String head = method + " " + requestLineTarget + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
          + extraHeaders + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + payload.length
          + "\r\n") + "\r\n";
      s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().write(payload);
      s.getOutputStream().flush();
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(all.substring(9, 12));
      String headers = all.substring(0, all.indexOf("\r\n\r\n")).toLowerCase();
      String contentType = headers.lines().filter(l -> l.startsWith("content-type:")).findFirst()
          .map(l -> l.substring(13).strip()).orElse("");
      String rest = all.substring(all.indexOf("\r\n\r\n") + 4);
      if (headers.contains("transfer-encoding: chunked")) {
        rest = dechunk(rest);
      }
      return new Answer(status, contentType, rest);
    }
  }

  private static String dechunk(String chunked) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < chunked.length()) {
      int eol = chunked.indexOf("\r\n", i);
      int size = Integer.parseInt(chunked.substring(i, eol).strip(), 16);
      if (size == 0) {
        break;
      }
      out.append(chunked, eol + 2, eol + 2 + size);
      i = eol + 2 + size + 2;
    }
    return out.toString();
  }

  private void assertNative(int status, Answer a) throws IOException {
    assertEquals(status, a.status(), a.toString());
    assertTrue(a.contentType().startsWith("application/json"), a.toString());
    JsonNode body = JSON.readTree(a.body());
    assertEquals(status, body.path("code").asInt(), a.toString());
    assertFalse(body.path("reason").asText().isEmpty(), a.toString());
    assertFalse(a.body().contains("<html") || a.body().contains("Exception"), a.toString());
  }

  private void assertKubesys(int status, Answer a) throws IOException {
    assertEquals(status, a.status(), a.toString());
    assertTrue(a.contentType().startsWith("application/json"), a.toString());
    assertEquals(status * 100, JSON.readTree(a.body()).path("code").asInt(), a.toString());
  }

  @Test
  void noRouteIsJson() throws IOException {
    assertNative(404, raw("/api/v1/no/such/route", "GET", "", null));
    assertNative(404, raw("/nothing-here", "GET", "", null));
    assertKubesys(404, raw("/kubesys/nothing", "POST", "", "{}"));
  }

  @Test
  void aUriJettyCannotParseIsJson() throws IOException {
    assertNative(400, raw("/api/v1/clusters/%zz", "GET", "", null));
    assertNative(400, raw("/api/v1/clusters/c1/api/a%5C%00/x", "GET", "", null));
  }

  @Test
  void aUriOrHeadersTooLongAreJson() throws IOException {
    assertNative(414, raw("/api/v1/clusters/" + "a".repeat(20_000), "GET", "", null));
    assertNative(431, raw("/api/v1/clusters", "GET", "X-Big: " + "b".repeat(20_000) + "\r\n", null));
  }

  @Test
  void aBodyTooLargeIsJsonInTheShapeOfItsApi() throws IOException {
    String huge = "{\"id\":\"" + "x".repeat(2_000_000) + "\"}";
    String auth = "authorization: Bearer " + RunningBackend.login(kb.backend().port(), "admin",
        RunningBackend.ADMIN_PASSWORD) + "\r\n";
    assertNative(413, raw("/api/v1/clusters", "POST", auth, huge));
    assertKubesys(413, raw("/kubesys/system/login", "POST", "", huge));
  }
}
