package io.kubebackend.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** The local clusters' etcd, through its JSON gateway: compaction, to expire old watch revisions. */
public final class Etcd {
  private static final String BASE = "http://127.0.0.1:" + System.getenv().getOrDefault("KB_ETCD_PORT", "12379");
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  private Etcd() {}

  /** Compacts etcd up to its current revision; returns that revision. */
  public static long compactToCurrent() throws IOException, InterruptedException {
    JsonNode range = post("/v3/kv/range", "{\"key\":\"Lw==\",\"limit\":1}");
    long revision = range.path("header").path("revision").asLong();
    post("/v3/kv/compaction", "{\"revision\":\"" + revision + "\",\"physical\":true}");
    return revision;
  }

  private static JsonNode post(String path, String body) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(BASE + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("etcd " + path + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }
}
