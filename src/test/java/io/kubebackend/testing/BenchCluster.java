package io.kubebackend.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local cluster benchmarks fill with many objects (cluster-4), apart from the clusters the tests share: started
 * if needed, and stopped again by its process ids if it was started here.
 */
public final class BenchCluster implements AutoCloseable {
  public static final int INDEX = 4;
  /** Pods get the label {@code app=bench-<n mod APPS>}. */
  public static final int APPS = 100;
  private final int index;
  private final Path dir;
  private final Path kubeconfig;
  private final boolean wasRunning;

  private BenchCluster(int index, Path dir, Path kubeconfig, boolean wasRunning) {
    this.index = index;
    this.dir = dir;
    this.kubeconfig = kubeconfig;
    this.wasRunning = wasRunning;
  }

  /** Local cluster-4. */
  public static BenchCluster start() {
    return start(INDEX);
  }

  /** Local cluster-N (on the shared etcd), started if needed. */
  public static BenchCluster start(int index) {
    Path runDir = Path.of(System.getenv().getOrDefault("KB_RUN_DIR", TestServers.repo().resolve(".run").toString()));
    boolean wasRunning = TestServers.run("scripts/localk8s.sh", "status").contains("cluster-" + index + " running");
    String out = TestServers.run("scripts/localk8s.sh", "start", Integer.toString(index));
    String[] lines = out.strip().split("\n");
    return new BenchCluster(index, runDir.resolve("localk8s/cluster-" + index), Path.of(lines[lines.length - 1].strip()),
        wasRunning);
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  /**
   * Creates a namespace with N Pending Pods of about 2 KB of JSON each (labels {@code app}, {@code tier}), 32
   * requests in flight.
   */
  public static void createPods(KubernetesClient client, String ns, int pods) throws InterruptedException {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    while (client.serviceAccounts().inNamespace(ns).withName("default").get() == null) {
      Thread.sleep(100);
    }
    long t0 = System.nanoTime();
    String note = "x".repeat(400);
    Semaphore inFlight = new Semaphore(32);
    AtomicInteger failures = new AtomicInteger();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < pods; i++) {
        int n = i;
        inFlight.acquire();
        pool.submit(() -> {
          try {
            client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("p-" + n)
                .addToLabels("app", "bench-" + (n % APPS)).addToLabels("tier", List.of("web", "api", "db").get(n % 3))
                .addToAnnotations("note", note).endMetadata().withNewSpec().addNewContainer().withName("c")
                .withImage("registry.k8s.io/pause:3.9").endContainer().endSpec().build()).create();
          } catch (RuntimeException e) {
            if (failures.incrementAndGet() < 5) {
              System.err.println("creating p-" + n + ": " + e.getMessage());
            }
          } finally {
            inFlight.release();
          }
        });
      }
    }
    System.out.printf("created %d pods in %s in %.0f s (%d failures)%n", pods, ns, (System.nanoTime() - t0) / 1e9,
        failures.get());
  }

  /**
   * Deletes the namespace and waits until the namespace controller has deleted its objects (a single
   * delete-collection of 50,000 pods outlasts the client's request timeout). Failures are printed, not thrown, so
   * that the rest of the clean-up still runs.
   */
  public static void deleteNamespace(KubernetesClient c, String ns) {
    long t0 = System.nanoTime();
    try {
      c.namespaces().withName(ns).delete();
      while (c.namespaces().withName(ns).get() != null && System.nanoTime() - t0 < 30 * 60 * 1_000_000_000L) {
        Thread.sleep(2000);
      }
      System.out.printf("deleted namespace %s in %.0f s%n", ns, (System.nanoTime() - t0) / 1e9);
    } catch (RuntimeException | InterruptedException e) {
      System.err.println("could not delete namespace " + ns + " from " + c.getMasterUrl() + ": " + e);
    }
  }

  /** Stops the controller-manager and apiserver if this started them, by their process ids. */
  @Override
  public void close() throws Exception {
    if (wasRunning) {
      return;
    }
    for (String pidFile : List.of("kcm.pid", "apiserver.pid")) {
      Path f = dir.resolve(pidFile);
      if (Files.exists(f)) {
        long pid = Long.parseLong(Files.readString(f).strip());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
        Files.delete(f);
      }
    }
    System.out.println("stopped cluster-" + index);
  }
}
