package io.kubebackend.events;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A minimal EventSource: connects, parses SSE frames on a thread, disconnects on close. */
final class SseTestClient implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** One SSE event; {@code event} is "message" unless the server named it. */
  record Frame(String id, String event, String data) {}

  private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private final InputStream body;
  private final Thread reader;
  final int status;

  private SseTestClient(HttpResponse<InputStream> response) {
    this.status = response.statusCode();
    this.body = response.body();
    this.reader = Thread.ofVirtual().start(this::read);
  }

  static SseTestClient connect(String url, String token, String lastEventId) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream")
        .header("authorization", "Bearer " + token);
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<InputStream> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() != 200) {
      r.body().close();
      throw new IllegalStateException("stream answered " + r.statusCode());
    }
    return new SseTestClient(r);
  }

  /** A plain request, for the error answers. */
  static HttpResponse<String> get(String url, String token, String lastEventId) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String id = null;
      String event = "message";
      StringBuilder data = null;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) {
          if (data != null) {
            frames.add(new Frame(id, event, data.toString()));
          }
          event = "message";
          data = null;
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
        }
      }
    } catch (IOException closed) {
      // close() cut the connection
    }
  }

  /** The next frame, or null after the timeout. */
  Frame next(long timeoutMs) throws InterruptedException {
    return frames.poll(timeoutMs, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws Exception {
    body.close();
    reader.join(5_000);
  }
}
