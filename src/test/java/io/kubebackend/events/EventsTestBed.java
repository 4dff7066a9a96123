package io.kubebackend.events;

import io.kubebackend.testing.Await;
import java.time.Duration;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/** What the event integration tests share: a backend configuration, the test cluster, unique names, waiting. */
final class EventsTestBed {
  /** Only ConfigMaps are mirrored: the tests' objects, and a small initial sync on a shared cluster. */
  static final List<String> MIRRORED = List.of("configmaps");
  static final String CLUSTER_ID = "it";

  private EventsTestBed() {}

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static ClusterSpec clusterSpec() {
    return new ClusterSpec(CLUSTER_ID, TestServers.kubeconfig(1).toString(), null, null, null, null, null, MIRRORED,
        List.of(), false, false);
  }

  /**
   * A backend on {@code dbUrl} mirroring cluster-1's ConfigMaps; Kafka on {@code topic} unless it is null; the
   * admin of {@link RunningBackend#testAuth()}.
   */
  static BackendConfig config(String dbUrl, String topic) {
    BackendConfig.Kafka kafka = topic == null ? new BackendConfig.Kafka(null, null)
        : new BackendConfig.Kafka(TestServers.kafkaBootstrap(), topic, "24h", Map.of());
    return configWithoutClusters(dbUrl, kafka).withMoreClusters(List.of(clusterSpec()));
  }

  /**
   * A backend on {@code dbUrl} with no cluster and these Kafka settings; the admin of
   * {@link RunningBackend#testAuth()}.
   */
  static BackendConfig configWithoutClusters(String dbUrl, BackendConfig.Kafka kafka) {
    try {
      return BackendConfig.defaults()
          .withHttp(new BackendConfig.Http("127.0.0.1", 0))
          .withDatabase(new BackendConfig.DatabaseConfig(dbUrl, null, null))
          .withSecurity(new BackendConfig.Security(null,
              Files.createTempDirectory("kb-key").resolve("credential.key").toString()))
          .withAuth(RunningBackend.testAuth())
          .withKafka(kafka);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A bearer token of the admin of {@link #config}. */
  static String adminToken(int port) {
    return RunningBackend.login(port, "admin", RunningBackend.ADMIN_PASSWORD);
  }


  static KubernetesClient kube() {
    return ClusterClients.connect(ClusterSpec.fromKubeconfig("cluster-1", TestServers.kubeconfig(1).toString(), null));
  }

  static void createNamespace(KubernetesClient kube, String ns) {
    kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
  }

  static void deleteNamespace(KubernetesClient kube, String ns) {
    try {
      kube.namespaces().withName(ns).delete();
    } catch (RuntimeException e) {
      System.err.println("cleanup: deleting namespace " + ns + " failed: " + e.getMessage());
    }
  }

  /** Creates a ConfigMap; returns its resourceVersion. */
  static String createConfigMap(KubernetesClient kube, String ns, String name) {
    ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
        .withData(Map.of("n", "0")).build();
    return kube.configMaps().inNamespace(ns).resource(cm).create().getMetadata().getResourceVersion();
  }

  /** Changes a ConfigMap with one request (a merge patch); returns the new resourceVersion. */
  static String updateConfigMap(KubernetesClient kube, String ns, String name, String value) {
    return kube.configMaps().inNamespace(ns).withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"n\":\"" + value + "\"}}")
        .getMetadata().getResourceVersion();
  }

  static void deleteConfigMap(KubernetesClient kube, String ns, String name) {
    kube.configMaps().inNamespace(ns).withName(name).delete();
  }

  static void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
    Await.until(Duration.ofMillis(timeoutMs), what, condition::getAsBoolean);
  }

}
