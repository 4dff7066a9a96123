package io.kubebackend.mirror;

import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A watch request through fabric8's HTTP client whose events are handed on as the apiserver wrote them: one JSON
 * object per line (the apiserver's watch encoding puts a newline after each event, and JSON text has none inside),
 * as bytes, for the sync to read once with {@link ObjectShaper}. fabric8's own watch would parse every event into
 * an object model first. The next chunk is asked for only after the events of this one were taken, so a sync that
 * is behind slows the stream down.
 */
final class RawWatch implements Watch {
  private final AtomicBoolean ended = new AtomicBoolean();
  private final ListerWatcher.WatchEvents events;
  private final CompletableFuture<HttpResponse<AsyncBody>> response;
  private volatile AsyncBody body;

  /**
   * Starts the request. {@code refusal} turns a non-2xx answer's body into the exception its close carries (a
   * {@link io.fabric8.kubernetes.client.KubernetesClientException} with the Status, so 410 reads as gone).
   */
  RawWatch(HttpClient http, String url, ListerWatcher.WatchEvents events,
           Function<Refused, ? extends Exception> refusal) {
    this.events = events;
    Lines lines = new Lines();
    ByteArrayOutputStream refused = new ByteArrayOutputStream();
    boolean[] ok = {true};
    response = http.consumeBytes(http.newHttpRequestBuilder().uri(url).header("Accept", "application/json")
        .forStreaming().build(), (List<ByteBuffer> chunks, AsyncBody b) -> {
          for (ByteBuffer chunk : chunks) {
            if (ok[0]) {
              if (!lines.add(chunk, this::deliver)) {
                end(new WatcherException("a watch event longer than " + Lines.MAX_LINE_BYTES + " bytes"));
                b.cancel();
                return;
              }
            } else if (refused.size() < MAX_REFUSAL_BYTES) {
              byte[] bytes = new byte[chunk.remaining()];
              chunk.get(bytes);
              refused.write(bytes, 0, Math.min(bytes.length, MAX_REFUSAL_BYTES - refused.size()));
            }
          }
          if (!ended.get()) {
            b.consume();
          }
        });
    response.whenComplete((r, failure) -> {
      if (failure != null) {
        end(new WatcherException("the watch request failed: " + failure.getMessage(), failure));
        return;
      }
      body = r.body();
      ok[0] = r.isSuccessful();
      body.done().whenComplete((done, broken) -> {
        if (!ok[0]) {
          Exception why = refusal.apply(new Refused(r.code(), refused.toByteArray()));
          end(new WatcherException("the apiserver refused the watch: " + why.getMessage(), why));
        } else if (broken != null) {
          end(new WatcherException("the watch stream broke: " + broken.getMessage(), broken));
        } else {
          end(null);
        }
      });
      if (ended.get()) {
        body.cancel();
      } else {
        body.consume();
      }
    });
  }

  /** A non-2xx answer to the watch request: its code and (the start of) its body. */
  record Refused(int code, byte[] body) {}

  private static final int MAX_REFUSAL_BYTES = 64 * 1024;

  private void deliver(byte[] line) {
    if (!ended.get()) {
      events.event(line);
    }
  }

  private void end(WatcherException cause) {
    if (ended.compareAndSet(false, true)) {
      events.closed(cause);
    }
  }

  /** Ends the request; the events receive their close (without a cause) if they have not already. */
  @Override
  public void close() {
    end(null);
    AsyncBody b = body;
    if (b != null) {
      b.cancel();
    }
    response.cancel(true);
  }

  /** Cuts a byte stream at newlines. */
  static final class Lines {
    private byte[] pending = new byte[0];
    private int length;

    /** Far above any object the apiserver stores (etcd's request limit is 1.5 MiB). */
    static final int MAX_LINE_BYTES = 64 << 20;

    interface Sink {
      void line(byte[] line);
    }

    /** Hands on every complete line; false, with the rest left unread, once a line grows past the limit. */
    boolean add(ByteBuffer chunk, Sink sink) {
      while (chunk.hasRemaining()) {
        int start = chunk.position();
        int end = start;
        while (end < chunk.limit() && chunk.get(end) != '\n') {
          end++;
        }
        if (length + (end - start) > MAX_LINE_BYTES) {
          return false;
        }
        append(chunk, start, end - start);
        chunk.position(end);
        if (end < chunk.limit()) {
          chunk.get(); // the newline
          if (length > 0) {
            sink.line(Arrays.copyOf(pending, length));
          }
          length = 0;
          if (pending.length > 1 << 20) {
            pending = new byte[0]; // a huge event passed: do not keep its buffer
          }
        }
      }
      return true;
    }

    private void append(ByteBuffer chunk, int from, int n) {
      if (length + n > pending.length) {
        pending = Arrays.copyOf(pending, Math.max(length + n, Math.max(256, pending.length * 2)));
      }
      chunk.get(from, pending, length, n);
      length += n;
    }
  }
}
