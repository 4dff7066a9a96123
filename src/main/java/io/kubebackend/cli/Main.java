package io.kubebackend.cli;

import io.kubebackend.KubeBackend;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.config.StartupException;
import io.kubebackend.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar kube-backend.jar serve ...}. */
@Command(name = "kube-backend", mixinStandardHelpOptions = true, version = "kube-backend 0.1.0",
    description = "One API over many Kubernetes clusters, mirrored into SQL.",
    subcommands = {Main.Serve.class, io.kubebackend.bench.BenchCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line, printing a {@link StartupException} as one line on stderr (exit code 1) instead of a stack
   * trace: it is for the operator, who fixes a setting, not for a developer.
   */
  static CommandLine commandLine() {
    return new CommandLine(new Main()).setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof StartupException) {
        cmd.getErr().println("kube-backend: " + e.getMessage());
        return CommandLine.ExitCode.SOFTWARE;
      }
      throw e;
    });
  }

  @Command(name = "serve", mixinStandardHelpOptions = true,
      description = "Mirror the configured clusters and serve the API until stopped.")
  static final class Serve implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(Serve.class);

    @Option(names = "--config", description = "YAML configuration file. The first admin's password may come from"
        + " KB_ADMIN_PASSWORD (else one is generated and printed once).")
    Path config;

    @Option(names = "--cluster", description = "ID=KUBECONFIG[@CONTEXT]; repeatable")
    List<String> clusters = new ArrayList<>();

    @Option(names = "--db", description = "JDBC URL (jdbc:postgresql://... or jdbc:sqlite:FILE); "
        + "default jdbc:sqlite:kube-backend.db. The password may also come from KB_DB_PASSWORD.")
    String db;

    @Option(names = "--host", description = "listen address (default 127.0.0.1)")
    String host;

    @Option(names = "--port", description = "listen port (default 8080)")
    Integer port;

    @Option(names = "--tls-port", description = "HTTPS port, where kubectl reaches the Kubernetes API of the mirror"
        + " (default: --port + 1; -1: none)")
    Integer tlsPort;

    @Option(names = "--kafka", description = "Kafka bootstrap servers to publish change events to; "
        + "default none (the outbox alone is the queue, streamed at /api/v1/changes)")
    String kafka;

    @Option(names = "--kafka-topic", description = "Kafka topic for all clusters (default kube-backend.events)")
    String kafkaTopic;

    @Option(names = "--rabbitmq", description = "RabbitMQ HOST[:PORT] to publish change events to (exchange"
        + " kube-backend, one queue per kind); credentials from KB_RABBITMQ_USER / KB_RABBITMQ_PASSWORD")
    String rabbitmq;

    @Option(names = "--replica-id", description = "this replica's name among several on one PostgreSQL"
        + " (default: host name and process id)")
    String replicaId;

    @Option(names = "--outbox-retention", description = "how long events stay in the outbox, e.g. 24h (default), 7d")
    String outboxRetention;

    @Override
    public Integer call() throws Exception {
      BackendConfig cfg = configuration();
      log.info("starting: database {}, {} cluster(s), events {}, {}", cfg.database(), cfg.clusters().size(),
          cfg.kafka(), cfg.rabbitmq());
      KubeBackend backend = start(cfg);
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        backend.close();
        stop.countDown();
      }));
      System.out.println("kube-backend listening on http://" + cfg.http().host() + ":" + backend.port()
          + " (log in with POST /kubesys/system/login, see the README)");
      stop.await();
      return 0;
    }

    /** The configuration file, overridden by options and environment; a wrong value is a StartupException. */
    private BackendConfig configuration() {
      BackendConfig cfg = config != null ? load(config) : BackendConfig.defaults();
      try {
        if (db != null) {
          cfg = cfg.withDatabase(new BackendConfig.DatabaseConfig(db, cfg.database().user(),
              cfg.database().password()));
        }
        String envPassword = System.getenv("KB_DB_PASSWORD");
        if (envPassword != null) {
          cfg = cfg.withDatabase(new BackendConfig.DatabaseConfig(cfg.database().url(), cfg.database().user(),
              envPassword));
        }
        String adminPassword = System.getenv("KB_ADMIN_PASSWORD");
        if (adminPassword != null && !adminPassword.isEmpty()) {
          cfg = cfg.withAuth(cfg.auth().withAdminPassword(adminPassword));
        }
        if (host != null || port != null || tlsPort != null) {
          BackendConfig.Http h = cfg.http();
          cfg = cfg.withHttp(new BackendConfig.Http(host != null ? host : h.host(), port != null ? port : h.port(),
              tlsPort != null ? tlsPort : h.tlsPort(), h.tlsCertFile(), h.tlsKeyFile()));
        }
        if (kafka != null || kafkaTopic != null || outboxRetention != null) {
          BackendConfig.Kafka k = cfg.kafka();
          cfg = cfg.withKafka(new BackendConfig.Kafka(kafka != null ? kafka : k.bootstrap(),
              kafkaTopic != null ? kafkaTopic : k.topic(),
              outboxRetention != null ? outboxRetention : k.outboxRetention(), k.properties()));
        }
        if (rabbitmq != null) {
          BackendConfig.RabbitMq r = cfg.rabbitmq();
          int colon = rabbitmq.lastIndexOf(':');
          String rabbitHost = colon < 0 ? rabbitmq : rabbitmq.substring(0, colon);
          Integer rabbitPort = r.port();
          if (colon >= 0) {
            try {
              rabbitPort = Integer.parseInt(rabbitmq.substring(colon + 1));
            } catch (NumberFormatException e) {
              throw new IllegalArgumentException("--rabbitmq must be HOST or HOST:PORT, got " + rabbitmq);
            }
          }
          cfg = cfg.withRabbitMq(new BackendConfig.RabbitMq(rabbitHost, rabbitPort, r.vhost(), r.user(), r.password(),
              r.exchange(), r.kindQueues(), r.durable(), r.maxLength(), r.messageTtlSeconds(), r.format()));
        }
        if (replicaId != null) {
          cfg = cfg.withReplica(new BackendConfig.Replica(replicaId, cfg.replica().leaseSeconds()));
        }
        cfg.clusters().forEach(ClusterSpec::validated);
      } catch (IllegalArgumentException e) {
        throw new StartupException(e.getMessage(), e);
      }
      return cfg.withMoreClusters(clusters.stream().map(Serve::parseCluster).toList());
    }

    private static BackendConfig load(Path file) {
      if (!Files.exists(file)) {
        throw new StartupException("the configuration file " + file + " does not exist");
      }
      try {
        return BackendConfig.load(file);
      } catch (JsonProcessingException e) {
        throw new StartupException("the configuration file " + file + " is not valid: " + describe(e), e);
      } catch (IOException e) {
        throw new StartupException("cannot read the configuration file " + file + ": " + e.getMessage(), e);
      }
    }

    /**
     * Where in the file (the setting's path, and the line the parser was at) and what: Jackson's message without its
     * multi-line source excerpt, or the message of the record's own check that refused a value.
     */
    private static String describe(JsonProcessingException e) {
      String what = e.getCause() instanceof IllegalArgumentException bad ? bad.getMessage() : e.getOriginalMessage();
      String setting = e instanceof JsonMappingException m ? m.getPath().stream()
          .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
          .collect(Collectors.joining(".")) : "";
      String line = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
      return (setting.isEmpty() ? "" : setting + ": ") + oneLine(what) + line;
    }

    private static KubeBackend start(BackendConfig cfg) {
      try {
        return KubeBackend.start(cfg);
      } catch (StoreException e) {
        throw new StartupException("cannot use the database " + cfg.database() + ": " + oneLine(e.getMessage()), e);
      } catch (FlywayException e) {
        throw new StartupException("cannot migrate the schema of the database " + cfg.database() + ": "
            + oneLine(e.getMessage()), e);
      }
    }

    private static String oneLine(String text) {
      return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    static ClusterSpec parseCluster(String arg) {
      int eq = arg.indexOf('=');
      if (eq <= 0) {
        throw new CommandLine.ParameterException(new CommandLine(new Serve()),
            "--cluster must be ID=KUBECONFIG[@CONTEXT], got " + arg);
      }
      String id = arg.substring(0, eq);
      String rest = arg.substring(eq + 1);
      int at = rest.lastIndexOf('@');
      String path = at > 0 ? rest.substring(0, at) : rest;
      String context = at > 0 ? rest.substring(at + 1) : null;
      try {
        return ClusterSpec.fromKubeconfig(id, path, context).validated();
      } catch (IllegalArgumentException e) {
        throw new StartupException("--cluster " + arg + ": " + e.getMessage(), e);
      }
    }
  }
}
