package io.kubebackend.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubebackend.KubeBackend;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.store.Dialect;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import io.kubebackend.cluster.ClusterSpec;
import java.util.Base64;
import java.util.function.UnaryOperator;

/**
 * A real kube-backend on a free port and a fresh database of one dialect, with a small HTTP client that is
 * logged in as the admin (every request carries its bearer token unless it sets its own authorization).
 */
public final class RunningBackend implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  public static final String ADMIN_PASSWORD = "running-backend-admin";
  private String token;

  private BackendConfig config;
  private KubeBackend backend;

  private RunningBackend(BackendConfig config) {
    this.config = config;
    this.backend = KubeBackend.start(config);
  }

  /** The configuration it runs with: another kube-backend started from it shares the database. */
  public BackendConfig config() {
    return config;
  }

  /** A backend with no clusters configured, on a fresh database. */
  public static RunningBackend start(Dialect dialect) {
    return start(dialect, new ClusterSpec[0]);
  }

  /** A backend with these clusters in its configuration, on a fresh database. */
  public static RunningBackend start(Dialect dialect, ClusterSpec... clusters) {
    return start(dialect, c -> c, clusters);
  }

  /** The same, with more configuration (a sink, say) applied to the test configuration. */
  public static RunningBackend start(Dialect dialect, UnaryOperator<BackendConfig> configure,
                                     ClusterSpec... clusters) {
    try {
      Path key = Files.createTempDirectory("kb-key").resolve("credential.key");
      BackendConfig cfg = BackendConfig.defaults()
          .withHttp(new BackendConfig.Http("127.0.0.1", 0))
          .withDatabase(new BackendConfig.DatabaseConfig(TestDatabases.freshUrl(dialect), null, null))
          .withSecurity(new BackendConfig.Security(null, key.toString()))
          .withAuth(testAuth())
          .withMoreClusters(List.of(clusters));
      return new RunningBackend(configure.apply(cfg));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public KubeBackend backend() {
    return backend;
  }

  /** Stops and starts again on the same database (a new port). */
  public void restart() {
    backend.close();
    backend = KubeBackend.start(config);
  }

  /**
   * Stops, and starts again on the same database and the same ports, as a restarted deployment does: clients that
   * hold its URL (a kubeconfig, an informer) reconnect to it.
   */
  public void restartOnSamePorts(Runnable whileStopped) {
    BackendConfig.Http h = config.http();
    config = config.withHttp(new BackendConfig.Http(h.host(), backend.port(), backend.tlsPort(), h.tlsCertFile(),
        h.tlsKeyFile()));
    backend.close();
    whileStopped.run();
    backend = KubeBackend.start(config);
  }

  /**
   * A value of the Prometheus scrape at /metrics: the sum of the series whose line starts with this, a name
   * ({@code kb_kube_lists_total}), a whole series ({@code kb_kube_watches_total{transport="http"}}) or a name and
   * its first labels ({@code kb_events_sink_connected{sink="rabbitmq"}); 0 when absent.
   */
  public double metric(String prefix) {
    double sum = 0;
    for (String line : get("/metrics").body().split("\\n")) {
      if (line.startsWith(prefix + " ") || line.startsWith(prefix + "{") || line.startsWith(prefix + ",")
          || line.startsWith(prefix + "}")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + backend.port() + path;
  }

  public HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(url(path))).GET());
  }

  public HttpResponse<String> post(String path, String json) {
    return send(HttpRequest.newBuilder(URI.create(url(path))).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  public HttpResponse<String> put(String path, String json) {
    return send(HttpRequest.newBuilder(URI.create(url(path))).header("content-type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(json)));
  }

  public HttpResponse<String> patch(String path, String contentType, String json) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path)))
        .method("PATCH", HttpRequest.BodyPublishers.ofString(json));
    if (contentType != null) {
      b.header("content-type", contentType);
    }
    return send(b);
  }

  public HttpResponse<String> delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(url(path))).DELETE());
  }

  public HttpResponse<String> send(HttpRequest.Builder request) {
    HttpRequest built = request.build();
    if (built.headers().firstValue("authorization").isEmpty()) {
      built = request.header("authorization", "Bearer " + token()).build();
    }
    try {
      return HTTP.send(built, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The admin's token, logging in on first use (tokens outlive a restart: they are in the database). */
  private synchronized String token() {
    if (token == null) {
      token = login(backend.port(), "admin", ADMIN_PASSWORD);
    }
    return token;
  }

  /** A credential key file of its own in a temporary directory (never the working directory). */
  public static BackendConfig.Security testSecurity() {
    try {
      return new BackendConfig.Security(null,
          Files.createTempDirectory("kb-key").resolve("credential.key").toString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The configuration's auth section for tests: the admin with {@link #ADMIN_PASSWORD}. */
  public static BackendConfig.Auth testAuth() {
    return new BackendConfig.Auth("admin", ADMIN_PASSWORD, null, null, null, null, 4);
  }

  /** Logs in through {@code /kubesys/system/login} and returns the bearer token. */
  public static String login(int port, String user, String password) {
    String encoded = Base64.getEncoder().encodeToString(password.getBytes(StandardCharsets.UTF_8));
    String login = "{\"kind\":\"User\",\"data\":{\"name\":\"" + user + "\",\"password\":\"" + encoded + "\"}}";
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/kubesys/system/login"))
          .POST(HttpRequest.BodyPublishers.ofString(login)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(user + " login failed: " + r.body());
      }
      return new ObjectMapper().readTree(r.body()).path("data").asText();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    backend.close();
  }
}
