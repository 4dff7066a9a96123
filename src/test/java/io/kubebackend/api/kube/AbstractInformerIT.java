package io.kubebackend.api.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kubebackend.KubeBackend;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.events.OutboxPruner;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.Await;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A fabric8 {@link SharedIndexInformer}, configured from the kubeconfig kube-backend hands out, against the
 * mirror's Kubernetes API: it follows creates, updates and deletes made on the apiserver, resumes its watch across
 * a kube-backend restart (no re-list: the changes made while kube-backend was down arrive as watch events), and
 * re-lists after the outbox was pruned past its resourceVersion (the 410 a real apiserver sends after compaction).
 * The oracle is the apiserver itself, read directly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractInformerIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final String ns = "inf-" + UUID.randomUUID().toString().substring(0, 6);
  private RunningBackend kb;
  private KubernetesClient direct;
  private KubernetesClient viaMirror;
  private SharedIndexInformer<ConfigMap> informer;
  /** Only the config maps labelled tier=front: objects move in and out of its selection. */
  private SharedIndexInformer<ConfigMap> front;
  private final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();

  abstract Dialect dialect();

  @BeforeAll
  void start() throws Exception {
    ClusterSpec c1 = ClusterSpec.fromKubeconfig("cluster-1", TestServers.kubeconfig(1).toString(), null);
    direct = ClusterClients.connect(c1);
    direct.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    for (int i = 0; i < 3; i++) {
      direct.configMaps().inNamespace(ns).resource(configMap("cm-" + i, "v0")).create();
    }
    kb = RunningBackend.start(dialect(), c1);
    Await.until(Duration.ofSeconds(120), "namespace mirrored", () ->
        kb.get("/api/v1/clusters/cluster-1/api/v1/namespaces/" + ns + "/configmaps/cm-2").statusCode() == 200);
    HttpResponse<String> kubeconfig = kb.get("/api/v1/kubeconfig");
    assertEquals(200, kubeconfig.statusCode(), kubeconfig.body());
    Config config = Config.fromKubeconfig("cluster-1", kubeconfig.body(), null);
    // Reconnect quickly while kube-backend restarts (the default backs off to half a minute).
    config.setWatchReconnectInterval(200);
    config.setWatchReconnectLimit(-1);
    viaMirror = new KubernetesClientBuilder().withConfig(config).build();
    informer = viaMirror.configMaps().inNamespace(ns).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ConfigMap cm) {
        seen.add("ADD " + cm.getMetadata().getName());
      }

      @Override
      public void onUpdate(ConfigMap before, ConfigMap after) {
        seen.add("UPDATE " + after.getMetadata().getName() + " " + after.getData().get("k"));
      }

      @Override
      public void onDelete(ConfigMap cm, boolean finalStateUnknown) {
        seen.add("DELETE " + cm.getMetadata().getName());
      }
    }, 0);
    front = viaMirror.configMaps().inNamespace(ns).withLabel("tier", "front").inform();
  }

  @AfterAll
  void stop() {
    if (informer != null) {
      informer.close();
    }
    if (front != null) {
      front.close();
    }
    if (viaMirror != null) {
      viaMirror.close();
    }
    if (kb != null) {
      kb.close();
    }
    direct.namespaces().withName(ns).delete();
    direct.close();
  }

  private static ConfigMap configMap(String name, String value) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).addToLabels("tier", "none").endMetadata()
        .addToData("k", value).build();
  }

  /** name → data.k on the apiserver. */
  private Map<String, String> onApiserver() {
    Map<String, String> m = new TreeMap<>();
    for (ConfigMap cm : direct.configMaps().inNamespace(ns).list().getItems()) {
      m.put(cm.getMetadata().getName(), cm.getData().get("k"));
    }
    return m;
  }

  private Map<String, String> inInformer() {
    Map<String, String> m = new TreeMap<>();
    for (ConfigMap cm : informer.getStore().list()) {
      m.put(cm.getMetadata().getName(), cm.getData().get("k"));
    }
    return m;
  }

  private void awaitInformerMatchesApiserver(String when) {
    Await.until(Duration.ofSeconds(90), "informer cache equals the apiserver " + when,
        () -> inInformer().equals(onApiserver()));
    Await.until(Duration.ofSeconds(30), "the tier=front informer equals the apiserver " + when, () -> {
      List<String> want = direct.configMaps().inNamespace(ns).withLabel("tier", "front").list().getItems().stream()
          .map(cm -> cm.getMetadata().getName()).sorted().toList();
      return front.getStore().list().stream().map(cm -> cm.getMetadata().getName()).sorted().toList().equals(want);
    });
  }

  private void label(String name, String tier) {
    direct.configMaps().inNamespace(ns).withName(name).edit(cm -> {
      cm.getMetadata().getLabels().put("tier", tier);
      return cm;
    });
  }

  private void awaitSeen(String event) {
    Await.until(Duration.ofSeconds(60), "informer handler saw " + event + " (saw " + seen + ")",
        () -> seen.contains(event));
  }

  @Test
  void followsChangesResumesAcrossRestartAndRelistsAfterPruning() throws Exception {
    // 1. The initial list, then live changes as watch events.
    awaitInformerMatchesApiserver("after its initial list");
    assertTrue(inInformer().keySet().containsAll(List.of("cm-0", "cm-1", "cm-2")), inInformer().toString());
    direct.configMaps().inNamespace(ns).resource(configMap("cm-new", "v0")).create();
    direct.configMaps().inNamespace(ns).resource(configMap("cm-0", "v1")).update();
    direct.configMaps().inNamespace(ns).withName("cm-1").delete();
    awaitInformerMatchesApiserver("after live changes");
    assertEquals(List.of(), front.getStore().list());
    label("cm-0", "front");
    label("cm-new", "front");
    awaitInformerMatchesApiserver("after two config maps moved into tier=front");
    assertEquals(2, front.getStore().list().size());
    label("cm-0", "back");
    awaitInformerMatchesApiserver("after one moved out of tier=front");
    assertEquals(1, front.getStore().list().size());
    awaitSeen("ADD cm-new");
    awaitSeen("UPDATE cm-0 v1");
    awaitSeen("DELETE cm-1");
    assertEquals(2.0, kb.metric("kb_kube_lists_total"), "one list per informer: the initial ones");
    assertTrue(kb.metric("kb_kube_watches_total{transport=\"websocket\"}") >= 2, "fabric8 watches over WebSocket");

    // 2. kube-backend restarts; what changed meanwhile arrives on the resumed watch, with no new list.
    kb.restartOnSamePorts(() -> {
      direct.configMaps().inNamespace(ns).resource(configMap("cm-down", "v0")).create();
      direct.configMaps().inNamespace(ns).withName("cm-2").delete();
      label("cm-new", "back");
      label("cm-0", "front");
    });
    awaitInformerMatchesApiserver("after a kube-backend restart");
    awaitSeen("ADD cm-down");
    awaitSeen("DELETE cm-2");
    Await.until(Duration.ofSeconds(30), "the informer watches the restarted kube-backend",
        () -> kb.metric("kb_kube_watches_total") >= 1);
    assertEquals(0.0, kb.metric("kb_kube_lists_total"), "the informer resumed its watch instead of re-listing");
    assertEquals(0.0, kb.metric("kb_kube_watch_expired_total"));

    // 3. While it is down, another kube-backend on the same database mirrors new changes and the outbox is pruned
    //    past them: the informer's resourceVersion is gone, it gets 410 and lists again.
    kb.restartOnSamePorts(() -> {
      direct.configMaps().inNamespace(ns).resource(configMap("cm-pruned", "v0")).create();
      direct.configMaps().inNamespace(ns).withName("cm-new").delete();
      try (KubeBackend other = KubeBackend.start(kb.config().withHttp(
          new BackendConfig.Http("127.0.0.1", 0, -1, null, null)))) {
        String token = RunningBackend.login(other.port(), "admin", RunningBackend.ADMIN_PASSWORD);
        String base = "http://127.0.0.1:" + other.port() + "/api/v1/clusters/cluster-1/api/v1/namespaces/" + ns
            + "/configmaps/";
        Await.until(Duration.ofSeconds(60), "the other kube-backend mirrored the changes",
            () -> status(base + "cm-pruned", token) == 200 && status(base + "cm-new", token) == 404);
        Thread.sleep(5);
        long pruned = new OutboxPruner(other.database(), Duration.ZERO, OptionalLong::empty, Clock.systemUTC())
            .pruneOnce();
        assertTrue(pruned > 0, "pruned the outbox");
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    awaitInformerMatchesApiserver("after pruning");
    awaitSeen("ADD cm-pruned");
    awaitSeen("DELETE cm-new");
    assertTrue(kb.metric("kb_kube_watch_expired_total") >= 1, "the resumed watch was answered 410 Expired");
    assertTrue(kb.metric("kb_kube_lists_total") >= 1, "the informer listed again");
    assertEquals(List.of("cm-0"), front.getStore().list().stream().map(cm -> cm.getMetadata().getName()).toList());
    assertEquals(List.of("cm-0", "cm-down", "cm-pruned"),
        inInformer().keySet().stream().filter(n -> n.startsWith("cm-")).toList());
  }

  private static int status(String url, String token) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }
}
