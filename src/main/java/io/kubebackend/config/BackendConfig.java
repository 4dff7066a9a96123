package io.kubebackend.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.kubebackend.cluster.ClusterSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything kube-backend is started with, read from a YAML file and overridden from the command line.
 * Frozen once built: the running system never sees a half-changed configuration.
 *
 * @param http     where the API listens
 * @param database the JDBC URL (PostgreSQL or SQLite) and credentials
 * @param clusters clusters registered from configuration
 * @param kafka    where events are published; null bootstrap means the outbox alone is the queue
 * @param security where the key that encrypts stored cluster credentials comes from
 * @param auth     users, tokens, CORS and login limits of the HTTP API
 */
public record BackendConfig(Http http, DatabaseConfig database, List<ClusterSpec> clusters, Kafka kafka,
                            Security security, Auth auth, RabbitMq rabbitmq, Replica replica) {

  /**
   * This process among several replicas on one PostgreSQL (SQLite runs one).
   *
   * @param id           the replica's name in leases and {@code GET /api/v1/replicas}; null for host name and
   *                     process id (also {@code serve --replica-id})
   * @param leaseSeconds how long a lease (a cluster's mirror, the sinks) outlives its holder's last renewal: the
   *                     takeover time after a replica dies; renewed every second
   */
  public record Replica(String id, Integer leaseSeconds) {
    public Replica {
      leaseSeconds = leaseSeconds == null ? 5 : leaseSeconds;
      if (leaseSeconds < 2 || leaseSeconds > 300) {
        throw new IllegalArgumentException("replica.leaseSeconds must be within 2..300");
      }
      if (id != null && (id.isBlank() || id.length() > 200)) {
        throw new IllegalArgumentException("replica.id must be 1..200 characters");
      }
    }
  }

  /**
   * The RabbitMQ sink (off without {@code host}). Credentials: the environment variables {@code KB_RABBITMQ_USER}
   * and {@code KB_RABBITMQ_PASSWORD}, else {@code user} and {@code password} here, else guest/guest (which
   * RabbitMQ accepts from loopback only). Never printed.
   *
   * @param exchange          topic exchange every event goes to, routing key {@code cluster.group.kind}
   * @param kindQueues        also one queue per lower-case kind ({@code pod}), as the original system had, bound
   *                          to the exchange with {@code #.<kind>}
   * @param durable           kind queues survive a broker restart (and messages are persistent)
   * @param maxLength         kind queues keep at most this many messages, dropping the oldest; 0 = no bound
   * @param messageTtlSeconds kind queues drop messages older than this; 0 = keep
   * @param format            message body: {@code json} (the event) or {@code kubesys} ({@code {type, data}})
   */
  public record RabbitMq(String host, Integer port, String vhost, String user, String password, String exchange,
                         Boolean kindQueues, Boolean durable, Integer maxLength, Integer messageTtlSeconds,
                         String format) {
    public RabbitMq {
      port = port == null ? 5672 : port;
      vhost = vhost == null ? "/" : vhost;
      exchange = exchange == null ? "kube-backend" : exchange;
      kindQueues = kindQueues == null || kindQueues;
      durable = durable == null || durable;
      maxLength = maxLength == null ? 10_000 : maxLength;
      messageTtlSeconds = messageTtlSeconds == null ? 0 : messageTtlSeconds;
      format = format == null ? "json" : format;
      if (port < 1 || port > 65535 || maxLength < 0 || messageTtlSeconds < 0) {
        throw new IllegalArgumentException("rabbitmq: port must be 1-65535, maxLength and messageTtlSeconds >= 0");
      }
      if (!format.equals("json") && !format.equals("kubesys")) {
        throw new IllegalArgumentException("rabbitmq.format must be json or kubesys, got " + format);
      }
    }

    public static RabbitMq off() {
      return new RabbitMq(null, null, null, null, null, null, null, null, null, null, null);
    }

    public boolean enabled() {
      return host != null && !host.isBlank();
    }

    /** The user to log in as: {@code KB_RABBITMQ_USER}, else {@code user}, else guest. */
    public String effectiveUser() {
      String env = System.getenv("KB_RABBITMQ_USER");
      return env != null ? env : user != null ? user : "guest";
    }

    public String effectivePassword() {
      String env = System.getenv("KB_RABBITMQ_PASSWORD");
      return env != null ? env : password != null ? password : "guest";
    }

    @Override
    public String toString() {
      return "RabbitMq[host=" + host + ", port=" + port + ", vhost=" + vhost + ", exchange=" + exchange
          + ", kindQueues=" + kindQueues + ", durable=" + durable + ", maxLength=" + maxLength
          + ", messageTtlSeconds=" + messageTtlSeconds + ", format=" + format + "]";
    }
  }

  /**
   * Where the key that encrypts stored cluster credentials comes from: {@code credentialKey} (base64 of 32
   * bytes; or the KB_CREDENTIAL_KEY environment variable), else {@code credentialKeyFile}, created on first use.
   */
  public record Security(String credentialKey, String credentialKeyFile) {
    public Security {
      credentialKeyFile = credentialKeyFile == null ? "kube-backend.key" : credentialKeyFile;
    }

    /** Where a self-signed TLS certificate is kept: beside the credential key file. */
    public String tlsKeystoreFile() {
      java.nio.file.Path key = java.nio.file.Path.of(credentialKeyFile);
      return key.resolveSibling(key.getFileName() + ".tls.p12").toString();
    }

    @Override
    public String toString() {
      return "Security[credentialKey=" + (credentialKey == null ? "none" : "***") + ", credentialKeyFile="
          + credentialKeyFile + "]";
    }
  }

  /**
   * Where the API listens: HTTP on {@code port}, and HTTPS on {@code tlsPort} (the Kubernetes API for kubectl and
   * client-go, which send bearer tokens only over TLS; every other route answers there too).
   *
   * @param tlsPort     HTTPS port; null means port + 1 (0 with a port of 0: any free port); -1 turns HTTPS off
   * @param tlsCertFile PEM certificate (chain) to serve; null makes and keeps a self-signed one
   * @param tlsKeyFile  PEM private key of {@code tlsCertFile}
   */
  public record Http(String host, int port, Integer tlsPort, String tlsCertFile, String tlsKeyFile) {
    public Http {
      host = host == null ? "127.0.0.1" : host;
      if ((tlsCertFile == null) != (tlsKeyFile == null)) {
        throw new IllegalArgumentException("http.tlsCertFile and http.tlsKeyFile go together");
      }
    }

    public Http(String host, int port) {
      this(host, port, null, null, null);
    }

    /** The HTTPS port to listen on, or -1 for none. */
    public int effectiveTlsPort() {
      return tlsPort != null ? tlsPort : port == 0 ? 0 : port + 1;
    }
  }

  public record DatabaseConfig(String url, String user, String password) {
    /** Never prints the password. */
    @Override
    public String toString() {
      return "Database[url=" + redactUrl(url) + ", user=" + user + "]";
    }

    /** The JDBC URL with any {@code password=} parameter masked, for logs. */
    public static String redactUrl(String url) {
      return url == null ? null : url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
  }

  /**
   * Change events. The outbox table is always written; with a {@code bootstrap} it is also published to Kafka.
   *
   * @param bootstrap       Kafka bootstrap servers; null: no Kafka, the outbox alone is the queue (SSE stream)
   * @param topic           one topic for all clusters (default {@code kube-backend.events})
   * @param outboxRetention how long events stay in the outbox (once published, with Kafka): {@code 24h} (default),
   *                        {@code 90m}, {@code 7d}, {@code 30s} or ISO-8601 ({@code PT24H})
   * @param properties      extra Kafka producer settings (e.g. security), applied over kube-backend's own
   */
  public record Kafka(String bootstrap, String topic, String outboxRetention, Map<String, String> properties) {
    public Kafka {
      topic = topic == null ? "kube-backend.events" : topic;
      outboxRetention = outboxRetention == null ? "24h" : outboxRetention;
      properties = properties == null ? Map.of() : Map.copyOf(properties);
      retention(outboxRetention);
    }

    public Kafka(String bootstrap, String topic) {
      this(bootstrap, topic, null, null);
    }

    public boolean enabled() {
      return bootstrap != null && !bootstrap.isBlank();
    }

    public Duration retention() {
      return retention(outboxRetention);
    }

    /** Never prints producer properties (they may hold credentials). */
    @Override
    public String toString() {
      return "Kafka[bootstrap=" + bootstrap + ", topic=" + topic + ", outboxRetention=" + outboxRetention
          + ", properties=" + properties.keySet() + "]";
    }

    static Duration retention(String text) {
      try {
        if (text.startsWith("P") || text.startsWith("p")) {
          return Duration.parse(text);
        }
        long n = Long.parseLong(text.substring(0, text.length() - 1));
        return switch (text.charAt(text.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          case 'h' -> Duration.ofHours(n);
          case 'd' -> Duration.ofDays(n);
          default -> throw new IllegalArgumentException();
        };
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("outboxRetention must look like 30s, 90m, 24h, 7d or PT24H, got: " + text);
      }
    }
  }

  /**
   * @param adminUser          the administrator created on first start (when there are no users yet)
   * @param adminPassword      its password; null generates a random one and prints it once. Prefer the
   *                           KB_ADMIN_PASSWORD environment variable to the file.
   * @param tokenTtlMinutes    how long a login token is valid
   * @param corsOrigins        browser origins allowed to call the API ({@code https://ui.example:8443}); "*" = any
   * @param loginPerAddress    login attempts allowed per client address
   * @param loginPerUser       failed login attempts allowed per user name
   * @param bcryptCost         log2 rounds of bcrypt; 10 takes about 60 ms per hash
   */
  public record Auth(String adminUser, String adminPassword, Integer tokenTtlMinutes, List<String> corsOrigins,
                     RateLimit loginPerAddress, RateLimit loginPerUser, Integer bcryptCost) {
    public Auth {
      adminUser = adminUser == null ? "admin" : adminUser;
      tokenTtlMinutes = tokenTtlMinutes == null ? 720 : tokenTtlMinutes;
      corsOrigins = corsOrigins == null ? List.of() : List.copyOf(corsOrigins);
      loginPerAddress = loginPerAddress == null ? new RateLimit(30, 60) : loginPerAddress;
      loginPerUser = loginPerUser == null ? new RateLimit(10, 600) : loginPerUser;
      bcryptCost = bcryptCost == null ? 10 : bcryptCost;
      if (tokenTtlMinutes < 1) {
        throw new IllegalArgumentException("auth.tokenTtlMinutes must be at least 1");
      }
      if (bcryptCost < 4 || bcryptCost > 31) {
        throw new IllegalArgumentException("auth.bcryptCost must be between 4 and 31");
      }
    }

    public static Auth defaults() {
      return new Auth(null, null, null, null, null, null, null);
    }

    public Auth withAdminPassword(String password) {
      return new Auth(adminUser, password, tokenTtlMinutes, corsOrigins, loginPerAddress, loginPerUser, bcryptCost);
    }

    /** Never prints the admin password. */
    @Override
    public String toString() {
      return "Auth[adminUser=" + adminUser + ", tokenTtlMinutes=" + tokenTtlMinutes + ", corsOrigins=" + corsOrigins
          + ", loginPerAddress=" + loginPerAddress + ", loginPerUser=" + loginPerUser + ", bcryptCost=" + bcryptCost
          + "]";
    }
  }

  /** At most {@code attempts} within any {@code seconds}. */
  public record RateLimit(int attempts, int seconds) {
    public RateLimit {
      if (attempts < 1 || seconds < 1) {
        throw new IllegalArgumentException("a rate limit needs attempts >= 1 and seconds >= 1");
      }
    }
  }

  public BackendConfig {
    http = http == null ? new Http("127.0.0.1", 8080) : http;
    database = database == null ? new DatabaseConfig("jdbc:sqlite:kube-backend.db", null, null) : database;
    clusters = clusters == null ? List.of() : List.copyOf(clusters);
    kafka = kafka == null ? new Kafka(null, null) : kafka;
    security = security == null ? new Security(null, null) : security;
    auth = auth == null ? Auth.defaults() : auth;
    rabbitmq = rabbitmq == null ? RabbitMq.off() : rabbitmq;
    replica = replica == null ? new Replica(null, null) : replica;
  }

  public static BackendConfig defaults() {
    return new BackendConfig(null, null, null, null, null, null, null, null);
  }

  public static BackendConfig load(Path file) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    return yaml.readValue(file.toFile(), BackendConfig.class);
  }

  public BackendConfig withHttp(Http h) {
    return new BackendConfig(h, database, clusters, kafka, security, auth, rabbitmq, replica);
  }

  public BackendConfig withDatabase(DatabaseConfig d) {
    return new BackendConfig(http, d, clusters, kafka, security, auth, rabbitmq, replica);
  }

  public BackendConfig withKafka(Kafka k) {
    return new BackendConfig(http, database, clusters, k, security, auth, rabbitmq, replica);
  }

  public BackendConfig withSecurity(Security sec) {
    return new BackendConfig(http, database, clusters, kafka, sec, auth, rabbitmq, replica);
  }

  public BackendConfig withRabbitMq(RabbitMq r) {
    return new BackendConfig(http, database, clusters, kafka, security, auth, r, replica);
  }

  public BackendConfig withAuth(Auth a) {
    return new BackendConfig(http, database, clusters, kafka, security, a, rabbitmq, replica);
  }

  public BackendConfig withReplica(Replica r) {
    return new BackendConfig(http, database, clusters, kafka, security, auth, rabbitmq, r);
  }

  public BackendConfig withMoreClusters(List<ClusterSpec> more) {
    List<ClusterSpec> all = new ArrayList<>(clusters);
    all.addAll(more);
    return new BackendConfig(http, database, all, kafka, security, auth, rabbitmq, replica);
  }
}
