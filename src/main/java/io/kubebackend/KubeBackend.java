package io.kubebackend;

import io.kubebackend.api.ClusterRoutes;
import io.kubebackend.api.Cors;
import io.kubebackend.api.EventVisibility;
import io.kubebackend.api.HttpApi;
import io.kubebackend.api.TlsIdentity;
import io.kubebackend.api.NativeApiGuard;
import io.kubebackend.api.CallerReadScope;
import io.kubebackend.api.CallerRoutes;
import io.kubebackend.api.ChangeStreamRoutes;
import io.kubebackend.api.kube.DiscoveryRoutes;
import io.kubebackend.api.kube.KubeconfigRoutes;
import io.kubebackend.api.kube.ObjectReadRoutes;
import io.kubebackend.api.QueryRoutes;
import io.kubebackend.api.ReplicaRoutes;
import io.kubebackend.api.ReplicaStatus;
import io.kubebackend.api.SinkRoutes;
import io.kubebackend.query.QueryService;
import io.kubebackend.api.kube.ObjectWriteRoutes;
import io.kubebackend.api.OpenApiRoutes;
import io.kubebackend.api.Routes;
import io.kubebackend.api.kubesys.KubesysApi;
import io.kubebackend.auth.Auth;
import io.kubebackend.cluster.CredentialCipher;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.config.StartupException;
import io.kubebackend.events.EventPipeline;
import io.kubebackend.events.OutboxFanout;
import io.kubebackend.mirror.ChangeWriter;
import io.kubebackend.mirror.ClusterOwnership;
import io.kubebackend.mirror.ClusterRegistry;
import io.kubebackend.mirror.MirrorMetrics;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.store.ClusterStore;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.Leases;
import io.kubebackend.store.MirrorProgress;
import io.kubebackend.store.SqlMirrorStore;
import io.kubebackend.store.SqliteProcessLock;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import io.kubebackend.write.ApiserverWriter;
import io.kubebackend.write.ObjectWrites;
import io.kubebackend.write.ReadYourWrites;

/** Wires the stages together (cluster -> mirror -> store -> api) and owns their lifecycle. */
public final class KubeBackend implements AutoCloseable {
  private final Database database;
  /** Null on PostgreSQL. */
  private final SqliteProcessLock sqliteLock;
  private final SqlMirrorStore store;
  private final ChangeWriter writer;
  private final RuntimeMirror mirror;
  /** Null on SQLite (one replica). */
  private final ClusterOwnership ownership;
  private final EventPipeline events;
  private final OutboxFanout fanout;
  private final HttpApi api;

  private KubeBackend(Database database, SqliteProcessLock sqliteLock, SqlMirrorStore store, ChangeWriter writer,
                      RuntimeMirror mirror, ClusterOwnership ownership, EventPipeline events, OutboxFanout fanout,
                      HttpApi api) {
    this.ownership = ownership;
    this.fanout = fanout;
    this.database = database;
    this.sqliteLock = sqliteLock;
    this.store = store;
    this.writer = writer;
    this.mirror = mirror;
    this.events = events;
    this.api = api;
  }

  /** How long a write waits for the mirror to show it before answering anyway. */
  static final Duration READ_YOUR_WRITES_BOUND = Duration.ofSeconds(5);

  public static KubeBackend start(BackendConfig config) {
    return start(config, Clock.systemUTC());
  }

  /** Starts with the given clock (token expiry, sync times): tests move it forward. */
  public static KubeBackend start(BackendConfig config, Clock clock) {
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    CredentialCipher cipher = credentialCipher(config);
    BackendConfig.DatabaseConfig dbc = config.database();
    SqliteProcessLock sqliteLock;
    try {
      sqliteLock = SqliteProcessLock.acquire(dbc.url());
    } catch (IllegalStateException e) {
      throw new StartupException(e.getMessage(), e);
    }
    Database database;
    try {
      database = Database.open(dbc.url(), dbc.user(), dbc.password());
    } catch (RuntimeException e) {
      if (sqliteLock != null) {
        sqliteLock.close();
      }
      throw e;
    }
    // Before anything starts mirroring: a first admin that cannot be created stops the start with nothing running.
    Auth auth;
    try {
      auth = Auth.open(database, config.auth(), clock);
    } catch (RuntimeException e) {
      database.close();
      if (sqliteLock != null) {
        sqliteLock.close();
      }
      throw e;
    }
    SqlMirrorStore store = new SqlMirrorStore(database, clock);
    ChangeWriter writer = new ChangeWriter(store, 20_000, 1_000, metrics);
    // PostgreSQL may be shared by several replicas: clusters and sinks go by leases. SQLite has one process.
    boolean replicated = database.dialect() == Dialect.POSTGRESQL;
    String replicaId = replicaId(config.replica());
    Leases leases = new Leases(database);
    Duration leaseTtl = Duration.ofSeconds(config.replica().leaseSeconds());
    EventPipeline events = EventPipeline.start(config.kafka(), config.rabbitmq(), database, clock, metrics,
        replicated ? new EventPipeline.Coordination(replicaId, leases, leaseTtl) : null);
    writer.onCommit(events::committed);
    RuntimeMirror mirror = new RuntimeMirror(store, writer, clock, new MirrorMetrics(metrics), replicated);
    ClusterRegistry registry = new ClusterRegistry(mirror, new ClusterStore(database), cipher, clock);
    registry.start(config.clusters());
    ClusterOwnership ownership = null;
    if (replicated) {
      ownership = new ClusterOwnership(replicaId, leases, mirror, registry, writer, leaseTtl);
      store.fenceWith(ownership);
      ownership.start();
    }
    FunctionCounter.builder("kb.mirror.write.fenced", store, SqlMirrorStore::fencedChanges)
        .description("changes not written: this replica did not hold their cluster's lease (any more)")
        .register(metrics);
    ObjectWrites writes = new ObjectWrites(new ApiserverWriter(),
        new ReadYourWrites(new MirrorProgress(database), READ_YOUR_WRITES_BOUND));
    QueryService query = new QueryService(database);
    TlsIdentity tls = tlsIdentity(config);
    java.util.concurrent.atomic.AtomicReference<HttpApi> apiRef = new java.util.concurrent.atomic.AtomicReference<>();
    OutboxFanout fanout = new OutboxFanout(events.reader(), events.signal()).start();
    FunctionCounter.builder("kb.events.stream.reads", fanout, OutboxFanout::sharedReads).tag("reader", "shared")
        .description("outbox reads for watches and event streams").register(metrics);
    FunctionCounter.builder("kb.events.stream.reads", fanout, OutboxFanout::catchUpReads).tag("reader", "catch-up")
        .description("outbox reads for watches and event streams").register(metrics);
    Gauge.builder("kb.events.stream.subscribers", fanout, OutboxFanout::subscribers)
        .description("watches and event streams following the outbox").register(metrics);
    new JvmMemoryMetrics().bindTo(metrics);
    ChangeStreamRoutes changes = new ChangeStreamRoutes(events.reader(), events.signal(),
        ctx -> EventVisibility.of(ctx.attribute(NativeApiGuard.CALLER), auth.authorizer()), clock, metrics);
    ReplicaStatus replicaStatus = new ReplicaStatus(leases, replicaId, leaseTtl, replicated);
    List<Routes> routes = List.of(new Cors(config.auth().corsOrigins()),
        new NativeApiGuard(auth.authenticator(), auth.authorizer(), mirror),
        new ClusterRoutes(mirror, registry, store, auth.authorizer(), clock, replicaStatus),
        new ReplicaRoutes(replicaStatus, mirror, auth.authorizer()),
        new CallerRoutes(),
        new DiscoveryRoutes(mirror, auth.authorizer()),
        new KubeconfigRoutes(mirror, auth.authorizer(), () -> apiRef.get().tlsPort(),
            tls == null ? null : tls.certificateAuthorityData()),
        new ObjectReadRoutes(query, fanout, mirror, clock, metrics),
        new ObjectWriteRoutes(writes, query),
        new KubesysApi(auth, mirror, query, writes),
        new QueryRoutes(query, QueryRoutes.catalog(mirror),
            ctx -> CallerReadScope.of(ctx.attribute(NativeApiGuard.CALLER), mirror)),
        new SinkRoutes(events, auth.authorizer()),
        new OpenApiRoutes(),
        changes);
    HttpApi api = new HttpApi(metrics, routes, config.http().host(), config.http().port(), tls, config.http().host(),
        config.http().effectiveTlsPort()).start();
    apiRef.set(api);
    return new KubeBackend(database, sqliteLock, store, writer, mirror, ownership, events, fanout, api);
  }

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /**
   * The configured replica id, else host name and process id; a second instance in one JVM (tests) gets a suffix,
   * so that two instances never take each other for one replica.
   */
  private static String replicaId(BackendConfig.Replica replica) {
    int n = INSTANCES.incrementAndGet();
    if (replica.id() != null) {
      return replica.id();
    }
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "localhost";
    }
    String id = host + "-" + ProcessHandle.current().pid();
    return n == 1 ? id : id + "-" + n;
  }

  /** The HTTPS listener's certificate: the configured one, else a self-signed one kept beside the credential key. */
  private static TlsIdentity tlsIdentity(BackendConfig config) {
    BackendConfig.Http http = config.http();
    if (http.effectiveTlsPort() < 0) {
      return null;
    }
    return http.tlsCertFile() != null ? TlsIdentity.fromPem(Path.of(http.tlsCertFile()), Path.of(http.tlsKeyFile()))
        : TlsIdentity.selfSigned(Path.of(config.security().tlsKeystoreFile()));
  }

  private static CredentialCipher credentialCipher(BackendConfig config) {
    String key = config.security().credentialKey() != null ? config.security().credentialKey()
        : System.getenv("KB_CREDENTIAL_KEY");
    try {
      return key != null ? CredentialCipher.ofBase64(key)
          : CredentialCipher.ofKeyFile(Path.of(config.security().credentialKeyFile()));
    } catch (IllegalArgumentException e) {
      throw new StartupException("KB_CREDENTIAL_KEY (or security.credentialKey) must be the base64 of 32 bytes: "
          + e.getMessage(), e);
    } catch (UncheckedIOException e) {
      throw new StartupException(e.getMessage() + " (security.credentialKeyFile): " + e.getCause().getMessage(), e);
    }
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

  /** Which clusters this replica mirrors; empty on SQLite (one replica mirrors all). */
  public Optional<ClusterOwnership> ownership() {
    return Optional.ofNullable(ownership);
  }

  public EventPipeline events() {
    return events;
  }

  public int port() {
    return api.port();
  }

  /** The HTTPS port (the Kubernetes API for kubectl), or -1 without HTTPS. */
  public int tlsPort() {
    return api.tlsPort();
  }

  /** Every HTTP route, as {@code METHOD path}. */
  public List<String> routes() {
    return api.routes();
  }

  @Override
  public void close() {
    api.close();
    fanout.close();
    if (ownership != null) {
      ownership.close();
    }
    mirror.close();
    writer.close();
    events.close();
    database.close();
    if (sqliteLock != null) {
      sqliteLock.close();
    }
  }
}
