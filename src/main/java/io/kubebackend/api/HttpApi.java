package io.kubebackend.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.kubebackend.api.kubesys.KubesysResponse;
import io.kubebackend.cluster.ClusterUnreachableException;
import io.kubebackend.store.StoreException;
import io.kubebackend.write.ApiserverException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API. Handlers run on virtual threads (one per request) and may block on the database.
 *
 * <p>Every failure leaves as JSON, whatever raised it: {@link ApiException} and the typed failures of the stages
 * below become the native shape {@code {"status","reason","message"}} (the kubesys shape under {@code /kubesys/},
 * see {@link JsonErrors}); so do Javalin's own answers (no route, body too large) and Jetty's (a malformed URI,
 * a URI or headers too long). A failure nobody expected is a 500 whose body says only that: its details go to the
 * log, never to the caller.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  /** Where the console's files are on the classpath. */
  private static final String CONSOLE = "/console";
  private final PrometheusMeterRegistry metrics;
  private final Javalin app;
  private final List<String> registered = new CopyOnWriteArrayList<>();
  private final List<Routes> features;
  private ServerConnector tlsConnector;
  private final String host;
  private final int port;
  private final boolean tlsConnectorWanted;

  /**
   * @param tls     the HTTPS listener's certificate, or null for HTTP only
   * @param tlsHost where HTTPS listens
   * @param tlsPort the HTTPS port (0: any free port)
   */
  public HttpApi(PrometheusMeterRegistry metrics, List<Routes> features, String host, int port, TlsIdentity tls,
                 String tlsHost, int tlsPort) {
    this.metrics = metrics;
    this.features = List.copyOf(features);
    this.host = host;
    this.port = port;
    this.tlsConnectorWanted = tls != null;
    ObjectMapper mapper = new ObjectMapper();
    this.app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.useVirtualThreads = true;
      cfg.staticFiles.enableWebjars();
      if (HttpApi.class.getResource(CONSOLE + "/index.html") != null) {
        // The web console (built from src/main/console into the jar): static files at /, nothing fetched elsewhere.
        cfg.staticFiles.add(files -> {
          files.hostedPath = "/";
          files.directory = CONSOLE;
          files.location = Location.CLASSPATH;
          files.headers = Map.of("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline';"
              + " img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
              "X-Content-Type-Options", "nosniff", "Cache-Control", "no-cache");
        });
      }
      cfg.jsonMapper(new JavalinJackson(mapper, true));
      cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrors.JettyErrors()));
      if (tls != null) {
        // With a connector of ours Javalin adds none of its own: the plain one comes first (its port is port()).
        cfg.jetty.addConnector((server, httpConfig) -> {
          ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
          c.setHost(host);
          c.setPort(port);
          return c;
        });
        cfg.jetty.addConnector((server, httpConfig) -> {
          SslContextFactory.Server ssl = new SslContextFactory.Server();
          ssl.setKeyStore(tls.keyStore());
          ssl.setKeyStorePassword(tls.password());
          HttpConfiguration https = new HttpConfiguration(httpConfig);
          https.addCustomizer(new SecureRequestCustomizer(false));
          ServerConnector c = new ServerConnector(server, ssl, new HttpConnectionFactory(https));
          c.setHost(tlsHost);
          c.setPort(tlsPort);
          tlsConnector = c;
          return c;
        });
      }
    });
    app.events(e -> e.handlerAdded(h -> {
      if (h.getHttpMethod().isHttpMethod()) {
        registered.add(h.getHttpMethod().name() + " " + h.getPath());
      }
    }));
    app.exception(ApiException.class, (e, ctx) -> fail(ctx, e.status(), e.reason(), e.getMessage()));
    // The apiserver refused a write: its status and message pass through in the native error shape.
    app.exception(ApiserverException.class, (e, ctx) -> fail(ctx, e.status(), e.reason(), e.getMessage()));
    app.exception(ClusterUnreachableException.class, (e, ctx) -> fail(ctx, 502, "BadGateway", e.getMessage()));
    app.exception(HttpResponseException.class, (e, ctx) -> fail(ctx, e.getStatus(),
        ApiException.reasonOf(e.getStatus()), e.getStatus() == 404 ? "no route " + ctx.method() + " "
            + ObjectPath.printable(ctx.path()) : JsonErrors.messageOf(e.getStatus())));
    app.exception(Exception.class, (e, ctx) -> {
      if (e instanceof StoreException s && s.retriable()) {
        log.warn("{} {}: the database is unavailable: {}", ctx.method(), ctx.path(), s.getMessage());
        fail(ctx, 503, "ServiceUnavailable", "the database is unavailable, try again");
        return;
      }
      log.error("{} {} failed", ctx.method(), ctx.path(), e);
      fail(ctx, 500, "InternalError", "internal error, see the server log");
    });
    app.error(404, ctx -> {
      if (ctx.result() == null || ctx.result().isEmpty()) {
        fail(ctx, 404, "NotFound", "no route " + ctx.method() + " " + ObjectPath.printable(ctx.path()));
      }
    });
    routes(features);
  }

  private static void fail(Context ctx, int status, String reason, String message) {
    if (status == 401) {
      ctx.header("WWW-Authenticate", "Bearer");
    }
    ctx.status(status);
    if (JsonErrors.kubesys(ctx.path())) {
      ctx.json(KubesysResponse.error(status, message));
    } else {
      ctx.json(ApiException.Status.failure(status, reason, message));
    }
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

  public HttpApi start() {
    if (tlsConnectorWanted) {
      app.start();
    } else {
      app.start(host, port);
    }
    return this;
  }

  public int port() {
    return app.port();
  }

  /** The HTTPS port, or -1 when there is no HTTPS listener. */
  public int tlsPort() {
    return tlsConnector == null ? -1 : tlsConnector.getLocalPort();
  }

  @Override
  public void close() {
    features.forEach(Routes::stop);
    app.stop();
  }
}
