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
 */
public record BackendConfig(Http http, DatabaseConfig database, List<ClusterSpec> clusters, Kafka kafka) {

  public record Http(String host, int port) {
    public Http {
      host = host == null ? "127.0.0.1" : host;
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

  public BackendConfig {
    http = http == null ? new Http("127.0.0.1", 8080) : http;
    database = database == null ? new DatabaseConfig("jdbc:sqlite:kube-backend.db", null, null) : database;
    clusters = clusters == null ? List.of() : List.copyOf(clusters);
    kafka = kafka == null ? new Kafka(null, null) : kafka;
  }

  public static BackendConfig defaults() {
    return new BackendConfig(null, null, null, null);
  }

  public static BackendConfig load(Path file) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    return yaml.readValue(file.toFile(), BackendConfig.class);
  }

  public BackendConfig withHttp(Http h) {
    return new BackendConfig(h, database, clusters, kafka);
  }

  public BackendConfig withDatabase(DatabaseConfig d) {
    return new BackendConfig(http, d, clusters, kafka);
  }

  public BackendConfig withKafka(Kafka k) {
    return new BackendConfig(http, database, clusters, k);
  }

  public BackendConfig withMoreClusters(List<ClusterSpec> more) {
    List<ClusterSpec> all = new ArrayList<>(clusters);
    all.addAll(more);
    return new BackendConfig(http, database, all, kafka);
  }
}
