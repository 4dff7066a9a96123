package io.kubebackend.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.kubebackend.auth.AuthException;
import io.kubebackend.auth.Authorizer;
import io.kubebackend.auth.Caller;
import io.kubebackend.events.EventPipeline;
import io.kubebackend.events.OutboxSink;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/sinks} (admin): each configured sink of the outbox, how far it is and why it is not
 * publishing if it is not.
 */
public final class SinkRoutes implements Routes {
  private final EventPipeline events;
  private final Authorizer authorizer;

  public SinkRoutes(EventPipeline events, Authorizer authorizer) {
    this.events = events;
    this.authorizer = authorizer;
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v1/sinks", this::sinks);
  }

  private void sinks(Context ctx) {
    try {
      authorizer.requireAdmin(ctx.<Caller>attribute(NativeApiGuard.CALLER));
    } catch (AuthException e) {
      throw ApiException.of(e);
    }
    long head = events.reader().head();
    List<Map<String, Object>> out = new ArrayList<>();
    for (OutboxSink sink : events.sinks()) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("sink", sink.kind());
      s.put("topic", sink.destination());
      s.put("acked", sink.acked());
      s.put("stored", sink.progress().position());
      s.put("head", head);
      s.put("lagEvents", sink.acked() < 0 ? null : Math.max(0, head - sink.acked()));
      s.put("lastError", sink.lastError());
      out.add(s);
    }
    ctx.json(Map.of("head", head, "sinks", out));
  }
}
