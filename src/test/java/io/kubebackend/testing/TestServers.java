package io.kubebackend.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real servers the integration tests run against, started once per test JVM through the project's own
 * scripts and stopped when the JVM exits (unless they were already running before, e.g. started by hand):
 * two local Kubernetes clusters (kube-apiserver + kube-controller-manager on one etcd), PostgreSQL, Kafka and
 * RabbitMQ.
 */
public final class TestServers {
  public static final int CLUSTERS = 2;
  private static final Path REPO = findRepo();
  private static List<Path> kubeconfigs;
  private static String postgresUrl;
  private static String kafkaBootstrap;
  private static RabbitMq rabbitMq;
  private static final List<String[]> stopOnExit = new ArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if ("1".equals(System.getenv("KB_KEEP_SERVERS"))) {
        return;
      }
      for (String[] cmd : stopOnExit.reversed()) {
        try {
          run(cmd);
        } catch (RuntimeException e) {
          System.err.println("stopping " + String.join(" ", cmd) + " failed: " + e.getMessage());
        }
      }
    }));
  }

  private TestServers() {}

  public static Path repo() {
    return REPO;
  }

  /** Kubeconfig files of the local clusters cluster-1 .. cluster-N, starting them if needed. */
  public static synchronized List<Path> kubeconfigs() {
    if (kubeconfigs == null) {
      String before = run("scripts/localk8s.sh", "status");
      String out = run("scripts/localk8s.sh", "start", Integer.toString(CLUSTERS));
      List<Path> paths = new ArrayList<>();
      for (String line : out.strip().split("\n")) {
        if (line.endsWith("kubeconfig")) {
          paths.add(Path.of(line.strip()));
        }
      }
      if (paths.size() != CLUSTERS) {
        throw new IllegalStateException("expected " + CLUSTERS + " kubeconfigs, got: " + out);
      }
      if (!before.contains("running")) {
        stopOnExit.add(new String[] {"scripts/localk8s.sh", "stop"});
      }
      kubeconfigs = paths;
    }
    return kubeconfigs;
  }

  /**
   * A third cluster, cluster-3, for destructive tests (apiserver restarts, partitions) so that they do not disturb
   * tests running against cluster-1 and cluster-2. Started on first use.
   */
  public static synchronized Path disposableKubeconfig() {
    kubeconfigs();
    String out = run("scripts/localk8s.sh", "start", Integer.toString(CLUSTERS + 1));
    String[] lines = out.strip().split("\n");
    return Path.of(lines[lines.length - 1].strip());
  }

  /** Restarts the apiserver of cluster i (its watch cache starts empty at the current revision). */
  public static void restartApiserver(int i) {
    run("scripts/localk8s.sh", "restart-apiserver", Integer.toString(i));
  }

  /** The kubectl built from the same Kubernetes module and version as the local clusters. */
  public static synchronized Path kubectl() {
    String out = run("scripts/localk8s.sh", "kubectl").strip();
    return Path.of(out.substring(out.lastIndexOf('\n') + 1));
  }

  /** The pinned Kubernetes version the local clusters are built at, e.g. {@code v1.37.2}. */
  public static String kubernetesVersion() {
    return run("scripts/localk8s.sh", "version").strip().split(" ")[1];
  }

  public static Path kubeconfig(int i) {
    return kubeconfigs().get(i - 1);
  }

  /** JDBC URL of the test PostgreSQL (database kubebackend), starting it if needed. */
  public static synchronized String postgresUrl() {
    if (postgresUrl == null) {
      String out = run("scripts/postgres.sh", "start").strip();
      postgresUrl = out.substring(out.lastIndexOf('\n') + 1);
      stopOnExit.add(new String[] {"scripts/postgres.sh", "stop"});
    }
    return postgresUrl;
  }

  /** Bootstrap address of the test Kafka broker, starting it if needed. */
  public static synchronized String kafkaBootstrap() {
    if (kafkaBootstrap == null) {
      String out = run("scripts/kafka.sh", "start").strip();
      kafkaBootstrap = out.substring(out.lastIndexOf('\n') + 1);
      stopOnExit.add(new String[] {"scripts/kafka.sh", "stop"});
    }
    return kafkaBootstrap;
  }

  /**
   * The broker's listener for clients behind a test proxy, and the proxy port it advertises to them (so the proxy
   * must listen there): see {@link KafkaProxy}.
   */
  public record KafkaProxied(int listenerPort, int proxyPort) {}

  /** Ports of the proxied listener of the test Kafka broker, starting the broker if needed. */
  public static KafkaProxied kafkaProxied() {
    kafkaBootstrap();
    String[] addresses = run("scripts/kafka.sh", "proxied").strip().split(" ");
    return new KafkaProxied(port(addresses[0]), port(addresses[1]));
  }

  private static int port(String hostPort) {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }

  /** The test RabbitMQ node: its AMQP port and its Web-STOMP port ({@code ws://127.0.0.1:PORT/ws}). */
  public record RabbitMq(int amqpPort, int webStompPort) {
    public String webStompUrl() {
      return "ws://127.0.0.1:" + webStompPort + "/ws";
    }
  }

  /** The test RabbitMQ node, starting it if needed. */
  public static synchronized RabbitMq rabbitMq() {
    if (rabbitMq == null) {
      String[] ports = run("scripts/rabbitmq.sh", "start").strip().split("\\s+");
      rabbitMq = new RabbitMq(Integer.parseInt(ports[ports.length - 2]), Integer.parseInt(ports[ports.length - 1]));
      stopOnExit.add(new String[] {"scripts/rabbitmq.sh", "stop"});
    }
    return rabbitMq;
  }

  /** Stops the test RabbitMQ node (its data stays): a broker outage. */
  public static synchronized void stopRabbitMq() {
    rabbitMq();
    run("scripts/rabbitmq.sh", "stop");
  }

  /** Starts the test RabbitMQ node again after {@link #stopRabbitMq}. */
  public static synchronized void startRabbitMq() {
    run("scripts/rabbitmq.sh", "start");
  }

  /** Runs a project script from the repository root; returns its stdout, throws with its output on failure. */
  public static String run(String... cmd) {
    return run(Map.of(), cmd);
  }

  /** The same with extra environment variables (e.g. the port and state directory of another instance). */
  public static String run(Map<String, String> env, String... cmd) {
    try {
      Path log = Files.createTempFile("kb-script", ".log");
      ProcessBuilder builder = new ProcessBuilder(cmd).directory(REPO.toFile())
          .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().putAll(env);
      Process p = builder.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int rc = p.waitFor();
      String err = Files.readString(log);
      Files.deleteIfExists(log);
      // Script progress lines go to stderr; show them in the test log (they include build times).
      err.lines().filter(l -> l.startsWith("[")).forEach(l -> System.out.println(l));
      if (rc != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " exited " + rc + "\n" + out + "\n" + err);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", cmd), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
    }
  }

  private static Path findRepo() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("scripts/localk8s.sh"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("cannot find the repository root (scripts/localk8s.sh) above "
          + Path.of("").toAbsolutePath());
    }
    return p;
  }
}
