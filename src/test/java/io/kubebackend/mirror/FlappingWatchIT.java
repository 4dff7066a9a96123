package io.kubebackend.mirror;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.ObjectKey;
import io.kubebackend.store.SqlMirrorStore;
import io.kubebackend.store.SyncState;
import io.kubebackend.testing.ApiserverProxy;
import io.kubebackend.testing.Await;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A real apiserver behind {@link ApiserverProxy}, which closes every watch connection right after the apiserver
 * accepted it: the mirror must ask less and less often (backoff that a watch's mere start does not reset), never
 * hammering with lists or watches, and catch up once watches stay open again.
 */
class FlappingWatchIT {
  /** The window requests are counted in. */
  private static final Duration WINDOW = Duration.ofSeconds(30);
  /**
   * A backoff doubling from 200 ms (+-20%) makes at most 8 attempts in 30 s; a retry every second, which is what a
   * backoff reset at each opened watch comes to, makes about 25. Machine load only makes attempts fewer.
   */
  private static final long MAX_REQUESTS_IN_WINDOW = 12;

  @Test
  void aWatchClosedRightAfterItOpensIsRetriedLessAndLessOften() throws Exception {
    Path kubeconfig = TestServers.kubeconfig(1);
    String content = Files.readString(kubeconfig);
    Matcher server = Pattern.compile("server: https://127\\.0\\.0\\.1:(\\d+)").matcher(content);
    assertTrue(server.find(), "a local cluster's kubeconfig");
    int port = Integer.parseInt(server.group(1));
    String ns = "flap-" + UUID.randomUUID().toString().substring(0, 8);
    try (ApiserverProxy proxy = new ApiserverProxy(kubeconfig.getParent(), port);
         Database db = TestDatabases.fresh(Dialect.SQLITE);
         KubernetesClient direct = ClusterClients.connect(ClusterSpec.fromKubeconfig("c1", kubeconfig.toString(),
             null))) {
      direct.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
      String proxied = content.replace("127.0.0.1:" + port, "127.0.0.1:" + proxy.port());
      SqlMirrorStore store = new SqlMirrorStore(db, Clock.systemUTC());
      ChangeWriter writer = new ChangeWriter(store, 20_000, 1_000, new SimpleMeterRegistry());
      RuntimeMirror mirror = new RuntimeMirror(store, writer, Clock.systemUTC(),
          new MirrorMetrics(new SimpleMeterRegistry()));
      try {
        mirror.add(new ClusterSpec("flap", null, proxied, null, null, null, null, List.of("configmaps"), List.of(),
            false, false));
        Await.until(Duration.ofSeconds(90), "configmaps listed and watched", () -> store.syncStatus("flap").stream()
            .anyMatch(s -> s.resource().equals("configmaps") && s.state() == SyncState.SYNCED)
            && proxy.count(configmaps(true)) > 0);

        proxy.cutWatches(true);
        proxy.dropConnections();
        long lists = proxy.count(configmaps(false));
        long watches = proxy.count(configmaps(true));
        Thread.sleep(WINDOW.toMillis());
        long listsInWindow = proxy.count(configmaps(false)) - lists;
        long watchesInWindow = proxy.count(configmaps(true)) - watches;
        System.out.println("[flapping-watch] in " + WINDOW.toSeconds() + " s: " + listsInWindow + " lists, "
            + watchesInWindow + " watches of configmaps");
        assertTrue(watchesInWindow >= 3, "the mirror keeps trying: " + watchesInWindow + " watches");
        assertTrue(listsInWindow + watchesInWindow <= MAX_REQUESTS_IN_WINDOW, "requests in " + WINDOW.toSeconds()
            + " s: " + listsInWindow + " lists, " + watchesInWindow + " watches");

        proxy.cutWatches(false);
        var cm = direct.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
            .withName("after").endMetadata().build()).create();
        // The backoff may be at its 30 s cap by now: one more attempt, then the watch stays open.
        Await.until(Duration.ofSeconds(90), "the change made after the fault in the database", () -> store.get(
            new ObjectKey("flap", "", "configmaps", ns, "after")).map(o -> o.resourceVersion()
            .equals(cm.getMetadata().getResourceVersion())).orElse(false));
      } finally {
        mirror.close();
        writer.close();
        direct.namespaces().withName(ns).delete();
      }
    }
  }

  /** The sync's requests for configmaps: its lists (watch false) or its watches. */
  private static Predicate<ApiserverProxy.Request> configmaps(boolean watch) {
    return r -> r.method().equals("GET") && r.path().equals("/api/v1/configmaps") && r.isWatch() == watch;
  }
}
