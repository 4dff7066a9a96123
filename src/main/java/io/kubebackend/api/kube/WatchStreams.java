package io.kubebackend.api.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.kubebackend.api.ApiException;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.events.ChangeEvent;
import io.kubebackend.events.OutboxFanout;
import io.kubebackend.query.ItemWriter;
import io.kubebackend.query.LabelSelector;
import io.kubebackend.query.ObjectFilter;
import io.kubebackend.query.ObjectMatcher;
import io.kubebackend.query.ObjectQuery;
import io.kubebackend.query.PageSink;
import io.kubebackend.query.QueryService;
import io.kubebackend.query.ReadScope;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

/**
 * Kubernetes watches served from the outbox: one JSON event per line ({@code {"type":"ADDED|MODIFIED|DELETED|
 * BOOKMARK|ERROR","object":...}}), every object with the mirror's resourceVersion (the outbox seq of the change),
 * so a client resumes with the last one it saw. All watches share one reader of the outbox ({@link OutboxFanout});
 * each applies its own filter (cluster, kind, namespace, the caller's read scope, label and field selectors) in
 * memory.
 *
 * <ul>
 *   <li>{@code resourceVersion=N}: every change after N, in order; when N was pruned, one ERROR event with a 410
 *       {@code Expired} Status, as the apiserver sends it, and the end of the stream;
 *   <li>unset or {@code 0}: ADDED for every object first (as the apiserver sends a new watch the current state);
 *   <li>{@code sendInitialEvents=true} (the streaming list): the same, then a BOOKMARK annotated
 *       {@code k8s.io/initial-events-end};
 *   <li>{@code allowWatchBookmarks}: a BOOKMARK with the current seq every {@link #BOOKMARK_MS} ms.
 * </ul>
 * With a label or field selector, a change that brings an object into the selection is ADDED and one that takes
 * it out is DELETED, as on the apiserver ({@link SelectionMembers}).
 */
final class WatchStreams {
  static final long BOOKMARK_MS = 10_000;
  /** A watch ends after this long unless the client asked for a timeout (client-go asks for 5-10 minutes). */
  static final int DEFAULT_TIMEOUT_SECONDS = 1800;
  static final String INITIAL_EVENTS_END = "k8s.io/initial-events-end";

  private final QueryService query;
  private final OutboxFanout fanout;
  private final Clock clock;
  private final KubeApiMetrics metrics;

  WatchStreams(QueryService query, OutboxFanout fanout, Clock clock, KubeApiMetrics metrics) {
    this.query = query;
    this.fanout = fanout;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** What one watch selects, and how its objects are shown. */
  record Selection(ResourceType kind, ObjectFilter filter, ReadScope scope, LabelSelector labels,
                   List<io.kubebackend.query.FieldCondition> fields, boolean allClusters, boolean table,
                   List<TableColumns.Column> columns, String includeObject) {
    /** The change is of the watched kind, in its clusters and namespaces, and the caller may read it. */
    boolean inScope(ChangeEvent e) {
      if (!e.group().equals(kind.group()) || !e.resource().equals(kind.resource())) {
        return false;
      }
      if (!filter.clusters().isEmpty() && !filter.clusters().contains(e.cluster())) {
        return false;
      }
      if (!filter.namespaces().isEmpty() && !filter.namespaces().contains(e.namespace())) {
        return false;
      }
      return scope.allows(e.cluster(), e.namespace(), e.group(), e.resource());
    }

    boolean hasSelectors() {
      return !labels.isEmpty() || !fields.isEmpty();
    }

    /** The object after the change matches the label and field selectors. */
    boolean selected(ChangeEvent e) {
      if (!hasSelectors()) {
        return true;
      }
      JsonNode object = parse(e.objectJson());
      return ObjectMatcher.matches(labels, object.path("metadata").path("labels"))
          && ObjectMatcher.matches(fields, object);
    }
  }

  private static JsonNode parse(String json) {
    try {
      return Tables.JSON.readTree(json);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Where a watch's events go: lines of a chunked HTTP response, or WebSocket messages. */
  interface EventSink {
    /** Sends one event (a JSON object); throws once the client is gone. */
    void send(String json) throws IOException;

    /** Pushes what was sent to the client. */
    void flush() throws IOException;

    /** False once the client is known to be gone (a WebSocket close), so an idle watch ends without a write. */
    default boolean open() {
      return true;
    }
  }

  /**
   * Refuses, before any event is sent, a resourceVersion from the future once it has waited briefly for it (as
   * the apiserver does): the client sees an HTTP error, not an event.
   */
  void webSocketStarted() {
    metrics.webSocketWatches.increment();
  }

  void checkStart(ListOptions opts) throws InterruptedException {
    if (opts.resourceVersion() != null && !awaitHead(opts.resourceVersion(), 3_000)) {
      throw new ApiException(504, "Timeout", "Too large resource version: " + opts.resourceVersion() + ", current: "
          + fanout.position());
    }
  }

  /** A watch over HTTP: one JSON event per line of a chunked response. */
  void serve(Context ctx, Selection sel, ListOptions opts) throws Exception {
    checkStart(opts);
    metrics.httpWatches.increment();
    HttpServletResponse res = ctx.res();
    res.setStatus(200);
    res.setContentType("application/json");
    res.setHeader("Cache-Control", "no-cache, private");
    // Events are flushed one batch at a time: a small buffer keeps a thousand idle watches cheap.
    res.setBufferSize(4096);
    OutputStream out = res.getOutputStream();
    // The headers now, as the apiserver sends them: a client waiting for them must not wait for the first event.
    out.flush();
    stream(new EventSink() {
      @Override
      public void send(String json) throws IOException {
        out.write(json.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
      }

      @Override
      public void flush() throws IOException {
        out.flush();
      }
    }, sel, opts);
  }

  /** Streams the watch's events to {@code sink} until its timeout, a 410, or the client leaves. */
  void stream(EventSink sink, Selection sel, ListOptions opts) throws InterruptedException {
    Writer w = new Writer(sink, sel);
    long timeoutMs = (opts.timeoutSeconds() > 0 ? opts.timeoutSeconds() : DEFAULT_TIMEOUT_SECONDS) * 1000L;
    long endAt = System.nanoTime() + timeoutMs * 1_000_000;
    long after;
    metrics.open.incrementAndGet();
    try {
      SelectionMembers members = sel.hasSelectors() ? new SelectionMembers() : null;
      if (opts.resourceVersion() == null || opts.sendInitialEvents()) {
        after = initialEvents(sel, w, members);
        if (opts.sendInitialEvents()) {
          w.bookmark(after, true);
        }
        sink.flush();
      } else {
        after = opts.resourceVersion();
        if (members != null) {
          members.replayThrough(initialEvents(sel, null, members));
        }
      }
      long lastBookmark = System.nanoTime();
      try (OutboxFanout.Subscription sub = fanout.subscribe(after)) {
        while (System.nanoTime() < endAt && sink.open()) {
          OutboxFanout.Delivery d = sub.next(Math.min(1_000, Math.max(1, (endAt - System.nanoTime()) / 1_000_000)));
          switch (d) {
            case OutboxFanout.Delivery.Pruned p -> {
              metrics.expired.increment();
              w.error(410, "Expired", "too old resource version: " + after + " (" + p.prunedThrough() + ")");
              return;
            }
            case OutboxFanout.Delivery.Ended e -> {
              return;
            }
            case OutboxFanout.Delivery.Events ev -> {
              boolean wrote = false;
              for (ChangeEvent e : ev.events()) {
                if (!sel.inScope(e)) {
                  continue;
                }
                String type = members != null ? members.transition(e, sel.selected(e)) : Writer.type(e);
                if (type != null) {
                  w.event(type, e.cluster(), e.seq(), e.objectJson());
                  wrote = true;
                }
              }
              if (opts.bookmarks() && System.nanoTime() - lastBookmark > BOOKMARK_MS * 1_000_000) {
                w.bookmark(sub.lastSeq(), false);
                lastBookmark = System.nanoTime();
                wrote = true;
              }
              if (wrote) {
                sink.flush();
              }
            }
          }
        }
      }
    } catch (IOException clientGone) {
      // The client closed the watch; it resumes from the last resourceVersion it saw.
    } finally {
      metrics.open.decrementAndGet();
    }
  }

  private boolean awaitHead(long seq, long ms) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    while (System.currentTimeMillis() < deadline) {
      if (fanout.position() >= seq) {
        return true;
      }
      Thread.sleep(50);
    }
    return fanout.position() >= seq;
  }

  /**
   * Sends every selected object as ADDED (to {@code w} unless null), from one snapshot, noting each in
   * {@code members} (unless null); returns the seq that snapshot stands at.
   */
  private long initialEvents(Selection sel, Writer w, SelectionMembers members) {
    long[] head = new long[1];
    ObjectFilter f = sel.filter();
    ObjectFilter withSelectors = new ObjectFilter(f.clusters(), f.group(), f.resource(), f.kind(), f.namespaces(),
        sel.labels(), sel.fields(), f.nameContains(), f.ownerUid(), f.descendantsOf(), f.createdSince(),
        f.createdBefore());
    query.page(new ObjectQuery(withSelectors, List.of(), ListOptions.UNLIMITED, null, false, List.of()), sel.scope(),
        new PageSink() {
          @Override
          public void start(Long total, long at) {
            head[0] = at;
          }

          @Override
          public void item(String cluster, long seq, String objectJson) throws IOException {
            if (members != null) {
              JsonNode meta = parse(objectJson).path("metadata");
              members.add(SelectionMembers.key(cluster, meta.path("namespace").asText(""),
                  meta.path("name").asText()));
            }
            if (w != null) {
              w.event("ADDED", cluster, seq, objectJson);
            }
          }

          @Override
          public void end(String continueToken) {}
        });
    return head[0];
  }

  /** Writes events to the response, one JSON line each. */
  private final class Writer {
    private final EventSink sink;
    private final Selection sel;
    private boolean columnsSent;

    Writer(EventSink sink, Selection sel) {
      this.sink = sink;
      this.sel = sel;
    }

    /** The watch event type of a change, for a watch without selectors. */
    static String type(ChangeEvent e) {
      return switch (e.op()) {
        case CREATE, READ -> "ADDED";
        case UPDATE -> "MODIFIED";
        case DELETE -> "DELETED";
      };
    }

    void event(String type, String cluster, long seq, String objectJson) throws IOException {
      String shown = ItemWriter.shown(objectJson, new ItemWriter.Shown(sel.allClusters() ? cluster : null,
          Long.toString(seq)));
      if (sel.table()) {
        ObjectNode table = Tables.JSON.createObjectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        table.putObject("metadata").put("resourceVersion", Long.toString(seq));
        if (columnsSent) {
          table.putNull("columnDefinitions");
        } else {
          table.set("columnDefinitions", Tables.definitions(sel.columns()));
          columnsSent = true;
        }
        table.putArray("rows").add(Tables.row(sel.columns(), parse(shown), sel.includeObject(), clock.instant()));
        line("{\"type\":\"" + type + "\",\"object\":" + table + "}");
      } else {
        line("{\"type\":\"" + type + "\",\"object\":" + shown + "}");
      }
    }

    void bookmark(long seq, boolean initialEventsEnd) throws IOException {
      ObjectNode o = Tables.JSON.createObjectNode().put("kind", sel.kind().kind())
          .put("apiVersion", sel.kind().apiVersion());
      ObjectNode meta = o.putObject("metadata").put("resourceVersion", Long.toString(seq));
      if (initialEventsEnd) {
        meta.putObject("annotations").put(INITIAL_EVENTS_END, "true");
      }
      line("{\"type\":\"BOOKMARK\",\"object\":" + o + "}");
    }

    void error(int code, String reason, String message) throws IOException {
      ObjectNode status = Tables.JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
      status.putObject("metadata");
      status.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
      line("{\"type\":\"ERROR\",\"object\":" + status + "}");
      sink.flush();
    }

    private void line(String json) throws IOException {
      sink.send(json);
    }
  }
}
