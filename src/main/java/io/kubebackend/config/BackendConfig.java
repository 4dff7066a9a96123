package io.kubebackend.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.kubebackend.cluster.ClusterSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything kube-backend is started with, read from a YAML file and overridden from the command line.
 * Frozen once built: the running system never sees a half-changed configuration.
 *
 * @param http     where the API listens
 * @param database the JDBC URL (PostgreSQL or SQLite) and credentials
 * @param clusters clusters registered from configuration
 * @param kafka    where events are published; null bootstrap means the outbox alone is the queue
 */
public record BackendConfig(Http http, DatabaseConfig database, List<ClusterSpec> clusters, Kafka kafka,
                            Security security) {

  /**
   * Where the key that encrypts stored cluster credentials comes from: {@code credentialKey} (base64 of 32
   * bytes; or the KB_CREDENTIAL_KEY environment variable), else {@code credentialKeyFile}, created on first use.
   */
  public record Security(String credentialKey, String credentialKeyFile) {
    public Security {
      credentialKeyFile = credentialKeyFile == null ? "kube-backend.key" : credentialKeyFile;
    }

    @Override
    public String toString() {
      return "Security[credentialKey=" + (credentialKey == null ? "none" : "***") + ", credentialKeyFile="
          + credentialKeyFile + "]";
    }
  }

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

  public record Kafka(String bootstrap, String topic) {
    public Kafka {
      topic = topic == null ? "kube-backend.events" : topic;
    }
  }

  public BackendConfig {
    http = http == null ? new Http("127.0.0.1", 8080) : http;
    database = database == null ? new DatabaseConfig("jdbc:sqlite:kube-backend.db", null, null) : database;
    clusters = clusters == null ? List.of() : List.copyOf(clusters);
    kafka = kafka == null ? new Kafka(null, null) : kafka;
    security = security == null ? new Security(null, null) : security;
  }

  public static BackendConfig defaults() {
    return new BackendConfig(null, null, null, null, null);
  }

  public static BackendConfig load(Path file) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    return yaml.readValue(file.toFile(), BackendConfig.class);
  }

  public BackendConfig withHttp(Http h) {
    return new BackendConfig(h, database, clusters, kafka, security);
  }

  public BackendConfig withDatabase(DatabaseConfig d) {
    return new BackendConfig(http, d, clusters, kafka, security);
  }

  public BackendConfig withKafka(Kafka k) {
    return new BackendConfig(http, database, clusters, k, security);
  }

  public BackendConfig withSecurity(Security sec) {
    return new BackendConfig(http, database, clusters, kafka, sec);
  }

  public BackendConfig withMoreClusters(List<ClusterSpec> more) {
    List<ClusterSpec> all = new ArrayList<>(clusters);
    all.addAll(more);
    return new BackendConfig(http, database, all, kafka, security);
  }
}
