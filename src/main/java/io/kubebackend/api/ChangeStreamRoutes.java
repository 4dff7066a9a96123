package io.kubebackend.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.kubebackend.events.ChangeEvent;
import io.kubebackend.events.OutboxReader;
import io.kubebackend.events.OutboxSignal;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * {@code GET /api/v1/changes}: the outbox as a Server-Sent Events stream, one SSE event per change:
 * {@code id:} the seq, {@code data:} the event JSON (or its kubesys view with {@code format=kubesys}).
 *
 * <p>Where it starts: after the {@code Last-Event-ID} header if present (a reconnecting EventSource sends it),
 * else after {@code from} = a seq, {@code oldest} (everything still in the outbox) or {@code latest} (default:
 * only what comes next). If events after that point were already pruned it answers 410 Gone instead of
 * streaming with a hole; a stream overtaken by pruning while connected ends with an {@code event: error}.
 * Filters: {@code cluster}, {@code group}, {@code kind}, {@code resource}, {@code namespace}, {@code name} (exact
 * match); the caller only ever receives events of objects it may read.
 *
 * <p>Threading: each client's handler runs on its own virtual thread, reading the outbox in bounded batches
 * after each commit signal (or a heartbeat interval) and writing straight to the response.
 */
public final class ChangeStreamRoutes implements Routes {
  public static final String PATH = "/api/v1/changes";
  static final int BATCH = 500;
  /** A comment line this often keeps proxies from closing an idle stream and notices a gone client. */
  static final long HEARTBEAT_MS = 10_000;
  /** At most one outbox read per client this often: commits can come hundreds of times a second. */
  static final long MIN_READ_INTERVAL_MS = 10;

  private final OutboxReader reader;
  private final OutboxSignal signal;
  private final Function<Context, Predicate<ChangeEvent>> visibility;
  private final Clock clock;
  private final AtomicInteger clients = new AtomicInteger();
  private volatile boolean stopped;

  /**
   * @param visibility per request, which events the caller may receive (decided once when the stream opens, from
   *                   what the API's authentication left on the request)
   */
  public ChangeStreamRoutes(OutboxReader reader, OutboxSignal signal,
                           Function<Context, Predicate<ChangeEvent>> visibility, Clock clock, MeterRegistry metrics) {
    this.reader = reader;
    this.signal = signal;
    this.visibility = visibility;
    this.clock = clock;
    Gauge.builder("kb.events.stream.clients", clients, AtomicInteger::get).description("connected SSE clients")
        .register(metrics);
  }

  @Override
  public void register(Javalin app) {
    app.get(PATH, this::stream);
  }

  /** Ends every open stream at its next wake-up. */
  @Override
  public void stop() {
    stopped = true;
    signal.signal();
  }

  private void stream(Context ctx) throws InterruptedException {
    OutboxReader.Filter filter = new OutboxReader.Filter(param(ctx, "cluster"), param(ctx, "group"),
        param(ctx, "kind"), param(ctx, "resource"), param(ctx, "namespace"), param(ctx, "name"));
    boolean kubesys = switch (ctx.queryParam("format") == null ? "json" : ctx.queryParam("format")) {
      case "json" -> false;
      case "kubesys" -> true;
      default -> throw ApiException.badRequest("format must be json or kubesys");
    };
    Predicate<ChangeEvent> visible = visibility.apply(ctx);
    long after = startAfter(ctx);
    long pruned = reader.prunedThrough();
    if (after < pruned) {
      throw gone(after, pruned);
    }
    HttpServletResponse res = ctx.res();
    res.setStatus(200);
    res.setContentType("text/event-stream");
    res.setCharacterEncoding("UTF-8");
    res.setHeader("Cache-Control", "no-cache");
    res.setHeader("X-Accel-Buffering", "no");
    clients.incrementAndGet();
    try {
      OutputStream out = res.getOutputStream();
      write(out, ": after seq " + after + "\n\n");
      out.flush();
      pump(out, after, filter, visible, kubesys);
    } catch (IOException clientGone) {
      // The client disconnected; it resumes with Last-Event-ID.
    } finally {
      clients.decrementAndGet();
    }
  }

  private void pump(OutputStream out, long after, OutboxReader.Filter filter, Predicate<ChangeEvent> visible,
                    boolean kubesys)
      throws IOException, InterruptedException {
    long lastWriteMs = clock.millis();
    while (!stopped) {
      long generation = signal.generation();
      OutboxReader.Batch batch = reader.readAfter(after, BATCH, filter);
      if (batch.gapAfter(after)) {
        // Pruning overtook this client: say so rather than continue past the hole.
        write(out, "event: error\ndata: {\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
            + "\"status\":\"Failure\",\"code\":410,\"reason\":\"Expired\",\"message\":\"events after seq " + after
            + " were pruned\"}\n\n");
        out.flush();
        return;
      }
      boolean wrote = false;
      for (ChangeEvent e : batch.events()) {
        if (!visible.test(e)) {
          continue;
        }
        wrote = true;
        StringBuilder frame = new StringBuilder(e.objectJson().length() + 400);
        frame.append("id: ").append(e.seq()).append('\n');
        // SSE data cannot hold a raw newline; stored JSON is compact, but a pretty-printed object stays valid
        // as several data lines (the client joins them with newlines).
        for (String line : (kubesys ? e.toKubesysJson() : e.toJson()).split("\n", -1)) {
          frame.append("data: ").append(line).append('\n');
        }
        frame.append('\n');
        write(out, frame.toString());
      }
      after = batch.nextAfter();
      long now = clock.millis();
      if (wrote) {
        out.flush();
        lastWriteMs = now;
      } else if (now - lastWriteMs >= HEARTBEAT_MS) {
        write(out, ": keep-alive\n\n");
        out.flush();
        lastWriteMs = now;
      }
      if (batch.events().size() < BATCH) {
        signal.awaitAfter(generation, Math.max(1, HEARTBEAT_MS - (now - lastWriteMs)));
        Thread.sleep(MIN_READ_INTERVAL_MS);
      }
    }
  }

  private long startAfter(Context ctx) {
    String lastEventId = ctx.header("Last-Event-ID");
    if (lastEventId != null && !lastEventId.isBlank()) {
      return seq(lastEventId.strip(), "Last-Event-ID");
    }
    String from = ctx.queryParam("from");
    if (from == null || from.equals("latest")) {
      return reader.head();
    }
    if (from.equals("oldest")) {
      return reader.prunedThrough();
    }
    return seq(from, "from");
  }

  private static long seq(String raw, String what) {
    try {
      long seq = Long.parseLong(raw);
      if (seq < 0) {
        throw ApiException.badRequest(what + " must not be negative");
      }
      return seq;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(what + " must be an event seq (a number)"
          + (what.equals("from") ? ", oldest or latest" : ""));
    }
  }

  private static ApiException gone(long after, long pruned) {
    return new ApiException(410, "Expired", "events after seq " + after + " are no longer in the outbox (pruned"
        + " through seq " + pruned + "); re-read the current state, then stream from=latest");
  }

  private static String param(Context ctx, String name) {
    String v = ctx.queryParam(name);
    return v == null || v.isEmpty() ? null : v;
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
  }
}
