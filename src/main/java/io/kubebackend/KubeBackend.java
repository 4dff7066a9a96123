package io.kubebackend;

import io.kubebackend.api.HttpApi;
import io.kubebackend.api.ObjectRoutes;
import io.kubebackend.api.Routes;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.events.EventPipeline;
import io.kubebackend.mirror.ChangeWriter;
import io.kubebackend.mirror.MirrorMetrics;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.query.ObjectReader;
import io.kubebackend.store.Database;
import io.kubebackend.store.SqlMirrorStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.List;

/** Wires the stages together (cluster -> mirror -> store -> api) and owns their lifecycle. */
public final class KubeBackend implements AutoCloseable {
  private final Database database;
  private final SqlMirrorStore store;
  private final ChangeWriter writer;
  private final RuntimeMirror mirror;
  private final EventPipeline events;
  private final HttpApi api;

  private KubeBackend(Database database, SqlMirrorStore store, ChangeWriter writer, RuntimeMirror mirror,
                      EventPipeline events, HttpApi api) {
    this.database = database;
    this.store = store;
    this.writer = writer;
    this.mirror = mirror;
    this.events = events;
    this.api = api;
  }

  public static KubeBackend start(BackendConfig config) {
    Clock clock = Clock.systemUTC();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    BackendConfig.DatabaseConfig dbc = config.database();
    Database database = Database.open(dbc.url(), dbc.user(), dbc.password());
    SqlMirrorStore store = new SqlMirrorStore(database, clock);
    ChangeWriter writer = new ChangeWriter(store, 20_000, 1_000, metrics);
    EventPipeline events = EventPipeline.start(config.kafka(), database, clock, metrics);
    writer.onCommit(events::committed);
    RuntimeMirror mirror = new RuntimeMirror(store, writer, clock, new MirrorMetrics(metrics));
    for (ClusterSpec spec : config.clusters()) {
      mirror.add(spec);
    }
    List<Routes> routes = List.of(new ObjectRoutes(mirror, store, new ObjectReader(database)),
        events.streamRoutes());
    HttpApi api = new HttpApi(metrics, routes).start(config.http().host(), config.http().port());
    return new KubeBackend(database, store, writer, mirror, events, api);
  }

  public Database database() {
    return database;
  }

  public SqlMirrorStore store() {
    return store;
  }

  public RuntimeMirror mirror() {
    return mirror;
  }

  public ChangeWriter writer() {
    return writer;
  }

  public EventPipeline events() {
    return events;
  }

  public int port() {
    return api.port();
  }

  @Override
  public void close() {
    api.close();
    mirror.close();
    writer.close();
    events.close();
    database.close();
  }
}
