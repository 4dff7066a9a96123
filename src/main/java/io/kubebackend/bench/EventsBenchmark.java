package io.kubebackend.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kubebackend.KubeBackend;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.events.KafkaPublisher;
import io.kubebackend.store.Change;
import io.kubebackend.store.ObjectKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench events}: end-to-end latency of change events (apiserver write -> Kafka consumer) at fixed write
 * rates, and outbox -> Kafka throughput. Prints numbers; asserts nothing. Runs kube-backend in this JVM against
 * a real cluster, database and Kafka (see {@code scripts/bench-events.sh}).
 *
 * <p>Each write is a merge patch of one ConfigMap carrying its send time; the consumer reads it back from the
 * event's object, so latency covers apiserver, watch, mirror transaction, outbox read, Kafka and the consumer.
 */
@Command(name = "events", mixinStandardHelpOptions = true,
    description = "Benchmark change events: write->consumer latency at fixed rates, outbox->Kafka throughput.")
public final class EventsBenchmark implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--db", required = true, description = "JDBC URL of the database kube-backend uses")
  String db;

  @Option(names = "--create-database", description = "PostgreSQL only: create a fresh database next to --db, "
      + "use it and drop it afterwards")
  boolean createDatabase;

  @Option(names = "--kubeconfig", required = true, description = "kubeconfig of the cluster written to")
  String kubeconfig;

  @Option(names = "--kafka", required = true, description = "Kafka bootstrap servers")
  String kafka;

  @Option(names = "--rates", split = ",", defaultValue = "200,2000", description = "changes per second")
  List<Integer> rates;

  @Option(names = "--seconds", defaultValue = "15", description = "measured seconds per rate")
  int seconds;

  @Option(names = "--warmup-seconds", defaultValue = "3", description = "unmeasured seconds before each rate")
  int warmupSeconds;

  @Option(names = "--objects", defaultValue = "200", description = "ConfigMaps the writes rotate over")
  int objects;

  @Option(names = "--concurrency", defaultValue = "128", description = "writes in flight at most")
  int concurrency;

  @Option(names = "--throughput-events", defaultValue = "50000", description = "events for the throughput run")
  int throughputEvents;

  @Option(names = "--parts", split = ",", defaultValue = "apiserver,kafka,mirror,throughput",
      description = "what to run: apiserver (end to end), kafka (Kafka alone, the baseline), mirror (write queue "
          + "-> consumer), throughput (outbox -> Kafka)")
  List<String> parts;

  @Override
  public Integer call() throws Exception {
    String url = createDatabase ? createPostgresDatabase(db) : db;
    String ns = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    String topic = "kb-bench-" + System.currentTimeMillis();
    createTopic(topic);
    ClusterSpec spec = new ClusterSpec("bench", kubeconfig, null, null, null, null, null, List.of("configmaps"),
        List.of(), false, false);
    BackendConfig config = BackendConfig.defaults()
        .withHttp(new BackendConfig.Http("127.0.0.1", 0))
        .withDatabase(new BackendConfig.DatabaseConfig(url, null, null))
        .withSecurity(new BackendConfig.Security(null,
            Files.createTempDirectory("kb-bench").resolve("credential.key").toString()))
        // An admin password nobody needs (the benchmark reads /metrics only), so none is generated and printed.
        .withAuth(BackendConfig.Auth.defaults().withAdminPassword(UUID.randomUUID().toString()))
        .withKafka(new BackendConfig.Kafka(kafka, topic, "24h", Map.of()))
        .withMoreClusters(List.of(spec));
    System.out.printf("bench-events: database %s, Kafka %s, topic %s, %d objects%n",
        BackendConfig.DatabaseConfig.redactUrl(url), kafka, topic,
        objects);
    try (KubernetesClient kube = ClusterClients.connect(ClusterSpec.fromKubeconfig("w", kubeconfig, null));
         LatencyConsumer consumer = new LatencyConsumer(kafka, topic, ns)) {
      kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
      try {
        try (KubeBackend backend = KubeBackend.start(config)) {
          createObjects(kube, ns, backend);
          for (int rate : parts.contains("apiserver") ? rates : List.<Integer>of()) {
            if (rate == rates.getFirst()) {
              System.out.println("== apiserver write -> Kafka consumer (ConfigMap merge patches through the mirror)");
            }
            runPhase(kube, ns, "warm" + rate, rate, warmupSeconds, consumer);
            Phase measured = runPhase(kube, ns, Integer.toString(rate), rate, seconds, consumer);
            measured.print(consumer);
          }
          for (int rate : parts.contains("kafka") ? rates : List.<Integer>of()) {
            if (rate == rates.getFirst()) {
              System.out.println("== baseline in the same run: Kafka alone (producer send -> consumer, same"
                  + " producer tuning without transactions, ~2 KB records)");
            }
            runKafkaBaseline(topic, ns, "kwarm" + rate, rate, warmupSeconds, consumer);
            Phase measured = runKafkaBaseline(topic, ns, "k" + rate, rate, seconds, consumer);
            measured.print(consumer);
          }
          for (int rate : parts.contains("mirror") ? rates : List.<Integer>of()) {
            if (rate == rates.getFirst()) {
              System.out.println("== mirror write queue -> Kafka consumer (changes submitted to the ChangeWriter as"
                  + " a watch would: kube-backend's part alone, without the apiserver)");
            }
            runDirectPhase(backend, ns, "dwarm" + rate, rate, warmupSeconds, consumer);
            Phase measured = runDirectPhase(backend, ns, "d" + rate, rate, seconds, consumer);
            measured.print(consumer);
            printServerQuantiles(backend.port());
          }
        }
        if (parts.contains("throughput")) {
          OutboxThroughput.run(url, kafka, topic + "-throughput", throughputEvents, new SimpleMeterRegistry(),
              Clock.systemUTC());
        }
      } finally {
        kube.namespaces().withName(ns).delete();
        if (createDatabase) {
          dropPostgresDatabase(db, url);
        }
      }
    }
    return 0;
  }

  private void createObjects(KubernetesClient kube, String ns, KubeBackend backend) throws Exception {
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Semaphore inFlight = new Semaphore(32);
      for (int i = 0; i < objects; i++) {
        String name = "cm-" + i;
        inFlight.acquire();
        pool.submit(() -> {
          try {
            kube.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
                .endMetadata().withData(Map.of("t", "0", "phase", "create")).build()).create();
          } finally {
            inFlight.release();
          }
          return null;
        });
      }
    }
    ObjectKey last = new ObjectKey("bench", "", "configmaps", ns, "cm-" + (objects - 1));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (backend.store().get(last).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the mirror did not pick up the benchmark objects in 120 s");
      }
      Thread.sleep(100);
    }
  }

  /** Sends {@code rate} patches per second for {@code secs} seconds on a fixed schedule. */
  private Phase runPhase(KubernetesClient kube, String ns, String phase, int rate, int secs, LatencyConsumer consumer)
      throws Exception {
    int total = rate * secs;
    long intervalNanos = 1_000_000_000L / rate;
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<Long> writeMicros = Collections.synchronizedList(new ArrayList<>());
    Semaphore inFlight = new Semaphore(concurrency);
    long start = System.nanoTime();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < total; i++) {
        long due = start + i * intervalNanos;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        inFlight.acquire();
        String name = "cm-" + (i % objects);
        pool.submit(() -> {
          try {
            String body = "{\"data\":{\"t\":\"" + nowMicros() + "\",\"phase\":\"" + phase + "\"}}";
            long t0 = System.nanoTime();
            kube.configMaps().inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), body);
            writeMicros.add((System.nanoTime() - t0) / 1_000);
            ok.incrementAndGet();
          } catch (RuntimeException e) {
            if (failed.incrementAndGet() <= 3) {
              System.out.println("  write failed: " + e.getMessage());
            }
          } finally {
            inFlight.release();
          }
        });
      }
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (consumer.received(phase) < ok.get() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    return new Phase(phase, rate, ok.get(), failed.get(), elapsed, List.copyOf(writeMicros));
  }

  /**
   * Submits {@code rate} updates per second straight to the mirror's writer, as a watch event would, carrying
   * the submit time: measures outbox commit, publisher and Kafka without the apiserver in front.
   */
  private Phase runDirectPhase(KubeBackend backend, String ns, String phase, int rate, int secs,
                               LatencyConsumer consumer) throws Exception {
    ResourceType configmaps = new ResourceType("", "v1", "configmaps", "ConfigMap", true);
    String filler = "x".repeat(1_500);
    int total = rate * secs;
    long intervalNanos = 1_000_000_000L / rate;
    long start = System.nanoTime();
    for (int i = 0; i < total; i++) {
      long wait = start + i * intervalNanos - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      String name = "direct-" + (i % objects);
      String rv = phase + "-" + i;
      String json = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name
          + "\",\"namespace\":\"" + ns + "\",\"uid\":\"u-" + name + "\",\"resourceVersion\":\"" + rv
          + "\"},\"data\":{\"t\":\"" + nowMicros() + "\",\"phase\":\"" + phase + "\",\"filler\":\"" + filler
          + "\"}}";
      backend.writer().submit(new Change.Upsert("bench-direct", configmaps, ns, name, "u-" + name, rv, "{}",
          List.of(), null, json, Change.Op.UPDATE));
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (consumer.received(phase) < total && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    return new Phase(phase, rate, total, 0, elapsed, List.of());
  }

  /**
   * Sends event-shaped records straight to Kafka: the floor under the two measurements above. Without a
   * transaction, so the difference to them includes what a commit adds.
   */
  private Phase runKafkaBaseline(String topic, String ns, String phase, int rate, int secs, LatencyConsumer consumer)
      throws Exception {
    String filler = "x".repeat(1_700);
    int total = rate * secs;
    long intervalNanos = 1_000_000_000L / rate;
    long start;
    try (Producer<String, byte[]> producer = KafkaPublisher.producers(KafkaPublisher.producerConfig(kafka,
        Map.of())).get()) {
      start = System.nanoTime();
      for (int i = 0; i < total; i++) {
        long wait = start + i * intervalNanos - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        long now = nowMicros();
        String value = "{\"op\":\"u\",\"namespace\":\"" + ns + "\",\"ts\":" + now / 1000
            + ",\"object\":{\"data\":{\"t\":\"" + now + "\",\"phase\":\"" + phase + "\",\"filler\":\""
            + filler + "\"}}}";
        producer.send(new ProducerRecord<>(topic, "baseline/" + (i % objects), value.getBytes(
            java.nio.charset.StandardCharsets.UTF_8)));
      }
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (consumer.received(phase) < total && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    return new Phase(phase, rate, total, 0, elapsed, List.of());
  }

  /** The backend's own view (decaying quantiles over the last minutes): mirror transactions, Kafka acks. */
  private static void printServerQuantiles(int port) throws Exception {
    String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    for (String name : List.of("kb_mirror_write_batch_seconds", "kb_events_publish_ack_seconds")) {
      StringBuilder line = new StringBuilder("  server ").append(name).append(':');
      metrics.lines().filter(l -> l.startsWith(name + "{") && l.contains("quantile=")).forEach(l -> {
        String q = l.replaceAll(".*quantile=\"([^\"]*)\".*", "$1");
        double ms = Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) * 1000;
        line.append(String.format("  p%d %.1f ms", Math.round(Double.parseDouble(q) * 100), ms));
      });
      System.out.println(line);
    }
  }

  static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }

  /** One measured rate. */
  private record Phase(String name, int targetRate, int sent, int failed, double seconds, List<Long> writeMicros) {
    void print(LatencyConsumer consumer) {
      List<Long> total = consumer.latencies(name);
      List<Long> toCommit = consumer.commitLatencies(name);
      System.out.printf("rate %5d/s target, %7.0f/s achieved: %d writes (%d failed), %d events consumed%n",
          targetRate, sent / seconds, sent, failed, total.size());
      System.out.printf("  write -> Kafka consumer:           p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms%n",
          pct(total, 50), pct(total, 99), pct(total, 100));
      List<Long> fromCommit = new ArrayList<>();
      for (int i = 0; i < Math.min(total.size(), toCommit.size()); i++) {
        fromCommit.add(total.get(i) - toCommit.get(i));
      }
      if (!writeMicros.isEmpty()) {
        System.out.printf("  apiserver PATCH response time:     p50 %6.1f ms  p99 %6.1f ms%n", pct(writeMicros, 50),
            pct(writeMicros, 99));
      }
      System.out.printf("  write -> mirror transaction (ts):  p50 %6.1f ms  p99 %6.1f ms%n", pct(toCommit, 50),
          pct(toCommit, 99));
      System.out.printf("  mirror transaction -> consumer:    p50 %6.1f ms  p99 %6.1f ms%n", pct(fromCommit, 50),
          pct(fromCommit, 99));
    }
  }

  static double pct(List<Long> micros, int p) {
    if (micros.isEmpty()) {
      return Double.NaN;
    }
    List<Long> sorted = new ArrayList<>(micros);
    Collections.sort(sorted);
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i))) / 1000.0;
  }

  /** Latency samples per phase, from the consumed events of the benchmark namespace. */
  static final class LatencyConsumer extends TopicReader {
    private final String ns;
    private final Map<String, List<Long>> latencies = new ConcurrentHashMap<>();
    private final Map<String, List<Long>> commitLatencies = new ConcurrentHashMap<>();

    LatencyConsumer(String bootstrap, String topic, String ns) {
      super(bootstrap, topic);
      this.ns = ns;
    }

    @Override
    protected void onEvent(byte[] value, long receivedMicros) throws Exception {
      JsonNode event = JSON.readTree(value);
      if (!event.path("op").asText().equals("u") || !event.path("namespace").asText().equals(ns)) {
        return;
      }
      JsonNode data = event.path("object").path("data");
      String phase = data.path("phase").asText();
      long sentMicros = Long.parseLong(data.path("t").asText("0"));
      latencies.computeIfAbsent(phase, p -> Collections.synchronizedList(new ArrayList<>()))
          .add(receivedMicros - sentMicros);
      commitLatencies.computeIfAbsent(phase, p -> Collections.synchronizedList(new ArrayList<>()))
          .add(event.path("ts").asLong() * 1000 - sentMicros);
    }

    int received(String phase) {
      return latencies.getOrDefault(phase, List.of()).size();
    }

    List<Long> latencies(String phase) {
      return List.copyOf(latencies.getOrDefault(phase, List.of()));
    }

    List<Long> commitLatencies(String phase) {
      return List.copyOf(commitLatencies.getOrDefault(phase, List.of()));
    }
  }

  private void createTopic(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka))) {
      admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
    }
  }

  private static String createPostgresDatabase(String adminUrl) throws Exception {
    String name = "kb_bench_" + System.currentTimeMillis();
    try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    int slash = adminUrl.indexOf('/', "jdbc:postgresql://".length());
    int query = adminUrl.indexOf('?', slash);
    return adminUrl.substring(0, slash + 1) + name + (query < 0 ? "" : adminUrl.substring(query));
  }

  private static void dropPostgresDatabase(String adminUrl, String url) {
    String name = url.substring(url.indexOf('/', "jdbc:postgresql://".length()) + 1).replaceAll("\\?.*", "");
    try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (Exception e) {
      System.err.println("could not drop " + name + ": " + e.getMessage());
    }
  }
}
