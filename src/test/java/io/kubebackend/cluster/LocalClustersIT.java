package io.kubebackend.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.testing.TestServers;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The test bed itself: two real local clusters answer, at the pinned Kubernetes version. */
class LocalClustersIT {

  @Test
  void eachClusterStoresAndReturnsObjects() {
    String ns = "it-" + UUID.randomUUID().toString().substring(0, 8);
    for (int i = 1; i <= TestServers.CLUSTERS; i++) {
      ClusterSpec spec = ClusterSpec.fromKubeconfig("cluster-" + i, TestServers.kubeconfig(i).toString(), null);
      try (KubernetesClient client = ClusterClients.connect(spec)) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .create();
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("probe")
            .endMetadata().withData(Map.of("cluster", "cluster-" + i)).build()).create();

        ConfigMap back = client.configMaps().inNamespace(ns).withName("probe").get();
        assertEquals("cluster-" + i, back.getData().get("cluster"));
        assertEquals(ns, client.namespaces().withName(ns).get().getMetadata().getName());
        assertEquals(TestServers.kubernetesVersion(), client.getKubernetesVersion().getGitVersion());
        client.namespaces().withName(ns).delete();
      }
    }
  }

  @Test
  void clustersAreSeparate() {
    String ns = "only-one-" + UUID.randomUUID().toString().substring(0, 8);
    try (KubernetesClient one = ClusterClients.connect(
            ClusterSpec.fromKubeconfig("cluster-1", TestServers.kubeconfig(1).toString(), null));
         KubernetesClient two = ClusterClients.connect(
            ClusterSpec.fromKubeconfig("cluster-2", TestServers.kubeconfig(2).toString(), null))) {
      one.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
      assertEquals(null, two.namespaces().withName(ns).get());
      one.namespaces().withName(ns).delete();
    }
  }
}
