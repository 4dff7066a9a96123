package io.kubebackend.testing;

import io.kubebackend.KubeBackend;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.store.Dialect;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

/** A real kube-backend on a free port and a fresh database of one dialect, with a small HTTP client. */
public final class RunningBackend implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final BackendConfig config;
  private KubeBackend backend;

  private RunningBackend(BackendConfig config) {
    this.config = config;
    this.backend = KubeBackend.start(config);
  }

  /** A backend with no clusters configured, on a fresh database. */
  public static RunningBackend start(Dialect dialect) {
    try {
      Path key = Files.createTempDirectory("kb-key").resolve("credential.key");
      BackendConfig cfg = BackendConfig.defaults()
          .withHttp(new BackendConfig.Http("127.0.0.1", 0))
          .withDatabase(new BackendConfig.DatabaseConfig(TestDatabases.freshUrl(dialect), null, null))
          .withSecurity(new BackendConfig.Security(null, key.toString()));
      return new RunningBackend(cfg);
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

  public HttpResponse<String> delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(url(path))).DELETE());
  }

  public HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
