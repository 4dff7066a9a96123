package io.kubebackend.events;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kubebackend.KubeBackend;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.store.Change;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.SqlMirrorStore;
import io.kubebackend.testing.StompSubscriber;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * RabbitMQ benchmark (a command, not a test: {@code scripts/bench-rabbitmq.sh [events] [changes/s] [seconds]}),
 * against the test RabbitMQ and cluster-1; prints numbers and asserts nothing:
 *
 * <ul>
 *   <li>outbox → RabbitMQ throughput: N synthetic ~2 KB events in a fresh SQLite outbox, drained by the sink; and,
 *       in the same run as its baseline, RabbitMQ's own rate for the same bodies: publish with confirms on one
 *       channel and consume back;</li>
 *   <li>apiserver write → STOMP-over-WebSocket subscriber, p50/p99, at R changes/s through a running
 *       kube-backend (ConfigMap patches carrying their send time).</li>
 * </ul>
 */
public final class RabbitBench {
  private RabbitBench() {}

  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    throughput(events);
    latency(rate, seconds);
    System.exit(0);
  }

  private static void throughput(int events) throws Exception {
    String exchange = EventsTestBed.unique("kb-bench");
    String filler = "x".repeat(1_700);
    List<byte[]> bodies = new ArrayList<>();
    try (Database db = TestDatabases.fresh(Dialect.SQLITE)) {
      SqlMirrorStore store = new SqlMirrorStore(db, Clock.systemUTC());
      for (int from = 0; from < events; from += 1_000) {
        List<Change> batch = new ArrayList<>();
        for (int i = from; i < Math.min(events, from + 1_000); i++) {
          String json = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"obj-" + i
              + "\",\"namespace\":\"synthetic\",\"uid\":\"u-" + i + "\",\"resourceVersion\":\"" + i
              + "\"},\"data\":{\"filler\":\"" + filler + "\"}}";
          batch.add(new Change.Upsert("bench", SyntheticChanges.CONFIGMAPS, "synthetic", "obj-" + i, "u-" + i,
              Integer.toString(i), "{}", List.of(), null, json, Change.Op.CREATE));
        }
        store.apply(batch);
      }
      OutboxReader reader = new OutboxReader(db);
      long head = reader.head();
      for (long after = 0; after < head; ) {
        OutboxReader.Batch b = reader.readAfter(after, 1_000, OutboxReader.Filter.ALL);
        b.events().forEach(e -> bodies.add(e.toJsonBytes()));
        after = b.nextAfter();
      }
      BackendConfig.RabbitMq config = new BackendConfig.RabbitMq("127.0.0.1", TestServers.rabbitMq().amqpPort(),
          null, null, null, exchange, false, true, null, null, null);
      long t0 = System.nanoTime();
      try (RabbitPublisher sink = new RabbitPublisher(reader, new SqlPublishProgress(db,
          RabbitPublisher.progressName(config), Clock.systemUTC()), config, "guest", "guest", new OutboxSignal(),
          Clock.systemUTC(), new SimpleMeterRegistry()).start()) {
        while (sink.acked() < head) {
          Thread.sleep(20);
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf("outbox -> RabbitMQ (confirmed, persistent): %d events in %.2f s = %.0f events/s%n",
          events, secs, events / secs);
    }
    // Baseline: RabbitMQ alone, the same bodies, publish with confirms on one channel to a durable queue and
    // consume them back.
    try (Connection c = RabbitConsumer.factory().newConnection(); Channel ch = c.createChannel()) {
      String queue = "bench-" + exchange;
      ch.exchangeDeclare(exchange, BuiltinExchangeType.TOPIC, true);
      ch.queueDeclare(queue, true, false, false, Map.of());
      ch.queueBind(queue, exchange, "#");
      ch.confirmSelect();
      CountDownLatch consumed = new CountDownLatch(bodies.size());
      Channel consumer = c.createChannel();
      consumer.basicQos(1_000);
      long t0 = System.nanoTime();
      consumer.basicConsume(queue, true, (tag, m) -> consumed.countDown(), tag -> { });
      var props = new com.rabbitmq.client.AMQP.BasicProperties.Builder().deliveryMode(2)
          .contentType("application/json").build();
      for (int i = 0; i < bodies.size(); i++) {
        ch.basicPublish(exchange, "bench.core.configmap", false, props, bodies.get(i));
        if (i % 500 == 499) {
          ch.waitForConfirmsOrDie(30_000);
        }
      }
      ch.waitForConfirmsOrDie(30_000);
      double published = (System.nanoTime() - t0) / 1e9;
      consumed.await(5, TimeUnit.MINUTES);
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf("RabbitMQ alone (baseline): published %d with confirms in %.2f s = %.0f/s; all consumed"
          + " after %.2f s = %.0f/s%n", bodies.size(), published, bodies.size() / published, secs,
          bodies.size() / secs);
      ch.queueDelete(queue);
      ch.exchangeDelete(exchange);
    }
  }

  private static void latency(int rate, int seconds) throws Exception {
    String ns = EventsTestBed.unique("rbench");
    String exchange = EventsTestBed.unique("kb-bench-lat");
    String dbUrl = TestDatabases.freshUrl(Dialect.SQLITE);
    BackendConfig cfg = EventsTestBed.config(dbUrl, null).withRabbitMq(new BackendConfig.RabbitMq("127.0.0.1",
        TestServers.rabbitMq().amqpPort(), null, null, null, exchange, false, true, null, null, null));
    int objects = 50;
    try (KubernetesClient kube = EventsTestBed.kube(); KubeBackend kb = KubeBackend.start(cfg)) {
      EventsTestBed.createNamespace(kube, ns);
      try (StompSubscriber stomp = StompSubscriber.connect(TestServers.rabbitMq().webStompUrl(), "guest", "guest")) {
        for (int i = 0; i < objects; i++) {
          EventsTestBed.createConfigMap(kube, ns, "cm-" + i);
        }
        stomp.subscribe("/exchange/" + exchange + "/#.configmap", Map.of());
        Thread.sleep(3_000);
        int total = rate * seconds;
        long[] latencies = new long[total];
        int[] got = new int[1];
        Thread reader = Thread.ofPlatform().start(() -> {
          try {
            while (true) {
              StompSubscriber.Frame f = stomp.next(Duration.ofSeconds(10));
              if (f == null) {
                return;
              }
              long now = System.nanoTime();
              int at = f.body().indexOf("\"sent\":\"");
              if (at >= 0 && got[0] < total) {
                long sent = Long.parseLong(f.body().substring(at + 8, f.body().indexOf('"', at + 8)));
                latencies[got[0]++] = now - sent;
              }
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        // At most 32 writes in flight, as a client with a connection pool has (the apiserver's HTTP/2 stream limit).
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(32);
        long start = System.nanoTime();
        long interval = 1_000_000_000L / rate;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
          for (int i = 0; i < total; i++) {
            long wait = start + i * interval - System.nanoTime();
            if (wait > 0) {
              TimeUnit.NANOSECONDS.sleep(wait);
            }
            int n = i;
            inFlight.acquire();
            pool.submit(() -> {
              try {
                kube.configMaps().inNamespace(ns).withName("cm-" + (n % objects)).patch(
                    PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"sent\":\"" + System.nanoTime() + "\"}}");
              } catch (RuntimeException e) {
                if (failed.incrementAndGet() < 3) {
                  System.err.println("write failed: " + e.getMessage() + " <- " + e.getCause());
                }
              } finally {
                inFlight.release();
              }
            });
          }
        }
        double loadSeconds = (System.nanoTime() - start) / 1e9;
        reader.join();
        long[] v = Arrays.copyOf(latencies, got[0]);
        Arrays.sort(v);
        System.out.printf("apiserver write -> STOMP subscriber at %d changes/s for %d s: p50 %.0f ms, p99 %.0f ms"
                + " (%d of %d changes arrived; %d writes failed; load took %.1f s)%n", rate, seconds,
            v[v.length / 2] / 1e6, v[(int) Math.ceil(v.length * 0.99) - 1] / 1e6, v.length, total, failed.get(),
            loadSeconds);
      } finally {
        EventsTestBed.deleteNamespace(kube, ns);
      }
    }
  }
}
