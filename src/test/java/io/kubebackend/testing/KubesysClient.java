package io.kubebackend.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** Calls a running kube-backend over HTTP, as the kubesys frontend and scripts do. */
public final class KubesysClient {
  public static final ObjectMapper JSON = new ObjectMapper();

  /** A logged-in user: the headers every call after login sends. */
  public record Session(String user, String token) {}

  /** An answer: the HTTP status and the parsed body (null if it was not JSON). */
  public record Reply(int status, JsonNode body, String raw) {
    public int code() {
      return body == null ? -1 : body.path("code").asInt(-1);
    }

    public JsonNode data() {
      return body.path("data");
    }

    public String message() {
      return body.path("message").asText(null);
    }

    @Override
    public String toString() {
      return status + " " + raw;
    }
  }

  private final HttpClient http = HttpClient.newHttpClient();
  private final String base;

  public KubesysClient(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  public String base() {
    return base;
  }

  public Session login(String user, String password) {
    Reply r = login(user, password, null);
    if (r.status() != 200) {
      throw new AssertionError("login failed: " + r);
    }
    return new Session(user, r.data().asText());
  }

  public Reply login(String user, String password, Map<String, String> headers) {
    String b64 = Base64.getEncoder().encodeToString(password.getBytes(StandardCharsets.UTF_8));
    return post("/kubesys/system/login", Map.of("kind", "User", "data", Map.of("name", user, "password", b64)),
        headers == null ? Map.of() : headers);
  }

  /** POSTs a body (a JSON string as is, anything else serialized) with the session's headers. */
  public Reply post(String path, Object body, Session s) {
    return post(path, body, s == null ? Map.of() : Map.of("authorization", "Bearer " + s.token(), "user", s.user()));
  }

  public Reply post(String path, Object body, Map<String, String> headers) {
    try {
      String json = body instanceof String str ? str : JSON.writeValueAsString(body);
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
          .POST(HttpRequest.BodyPublishers.ofString(json)).header("content-type", "application/json");
      headers.forEach(b::header);
      return send(b.build());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public Reply request(String method, String path, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    headers.forEach(b::header);
    return send(b.build());
  }

  public HttpResponse<String> raw(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Reply send(HttpRequest request) {
    HttpResponse<String> r = raw(request);
    JsonNode body;
    try {
      body = r.body().isEmpty() ? null : JSON.readTree(r.body());
    } catch (IOException e) {
      body = null;
    }
    return new Reply(r.statusCode(), body, r.body());
  }
}
