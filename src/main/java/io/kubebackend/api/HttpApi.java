package io.kubebackend.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.kubebackend.write.ApiserverException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API. Handlers run on virtual threads (one per request) and may block on the database.
 * Every failure leaves through {@link ApiException} and becomes one JSON error shape.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  private final PrometheusMeterRegistry metrics;
  private final Javalin app;
  private final List<String> registered = new java.util.concurrent.CopyOnWriteArrayList<>();

  public HttpApi(PrometheusMeterRegistry metrics, List<Routes> features) {
    this.metrics = metrics;
    ObjectMapper mapper = new ObjectMapper();
    this.app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.useVirtualThreads = true;
      cfg.staticFiles.enableWebjars();
      cfg.jsonMapper(new JavalinJackson(mapper, true));
    });
    app.events(e -> e.handlerAdded(h -> {
      if (h.getHttpMethod().isHttpMethod()) {
        registered.add(h.getHttpMethod().name() + " " + h.getPath());
      }
    }));
    app.exception(ApiException.class, (e, ctx) -> ctx.status(e.status()).json(e.body()));
    // The apiserver refused a write: its status and message pass through in the native error shape.
    app.exception(ApiserverException.class, (e, ctx) -> ctx.status(e.status())
        .json(new ApiException.Body(e.status(), e.reason(), e.getMessage())));
    app.exception(Exception.class, (e, ctx) -> {
      log.error("{} {} failed", ctx.method(), ctx.path(), e);
      ctx.status(500).json(new ApiException.Body(500, "InternalError", "internal error, see the server log"));
    });
    app.error(404, ctx -> {
      if (ctx.result() == null || ctx.result().isEmpty()) {
        ctx.json(new ApiException.Body(404, "NotFound", "no route " + ctx.method() + " " + ctx.path()));
      }
    });
    routes(features);
  }

  /** Every registered route as {@code METHOD path}, for checking the OpenAPI description covers them. */
  public List<String> routes() {
    return List.copyOf(registered);
  }

  private void routes(List<Routes> features) {
    app.get("/healthz", ctx -> ctx.json(Map.of("status", "ok")));
    app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4").result(metrics.scrape()));
    for (Routes r : features) {
      r.register(app);
    }
  }

  public HttpApi start(String host, int port) {
    app.start(host, port);
    return this;
  }

  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
