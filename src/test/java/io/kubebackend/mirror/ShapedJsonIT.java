package io.kubebackend.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.testing.TestServers;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every object of every list+watch kind in both local clusters, shaped by the streaming {@link ObjectShaper} and by
 * the object-model path it replaced ({@link OldShaper}) from the same LIST bytes: the same JSON tree, and the same
 * indexed fields. Kinds are found by the test's own discovery ({@link ClusterState#discover}); Secrets are compared
 * with and without their data kept. Odd objects are created first: NUL and control characters, non-BMP text, and
 * an annotation near the apiserver's 256 KiB limit.
 */
class ShapedJsonIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final KubernetesSerialization FABRIC8 = new KubernetesSerialization();

  @Test
  void theStreamingShaperStoresWhatTheObjectModelPathStored() throws Exception {
    String ns = "shaped-" + UUID.randomUUID().toString().substring(0, 8);
    int objects = 0;
    int kinds = 0;
    for (int i = 1; i <= 2; i++) {
      try (KubernetesClient kube = ClusterClients.connect(ClusterSpec.fromKubeconfig("cluster-" + i,
          TestServers.kubeconfig(i).toString(), null))) {
        kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .create();
        try {
          kube.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("odd")
              .addToLabels("app", "odd").addToAnnotations("huge", "a".repeat(200_000)).endMetadata()
              .addToData("nul", "before\u0000after").addToData("control", "\u0001\u001f\u007f")
              .addToData("astral", "\ud83d\ude00 é ü").build()).create();
          kube.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("s").endMetadata()
              .addToData("password", "c2VjcmV0").addToStringData("token", "plain").build()).create();
          for (ResourceType t : ClusterState.discover(kube)) {
            kinds++;
            for (boolean keepSecretData : t.resource().equals("secrets") ? List.of(false, true) : List.of(false)) {
              objects += compare(kube, t, keepSecretData);
            }
          }
        } finally {
          kube.namespaces().withName(ns).delete();
        }
      }
    }
    System.out.println("shaped JSON equal to the object-model path's: " + objects + " objects of " + kinds
        + " kinds in 2 clusters");
    assertTrue(kinds > 40, "kinds " + kinds);
  }

  /** Compares every object of one kind; returns how many. */
  private static int compare(KubernetesClient kube, ResourceType t, boolean keepSecretData) throws Exception {
    ObjectShaper shaper = new ObjectShaper("c", t, keepSecretData, false);
    String base = (t.group().isEmpty() ? "/api/" : "/apis/" + t.group() + "/") + t.version() + "/" + t.resource();
    int count = 0;
    String cont = null;
    do {
      String body = kube.raw(base + "?limit=200" + (cont == null ? ""
          : "&continue=" + URLEncoder.encode(cont, StandardCharsets.UTF_8)));
      List<GenericKubernetesResource> old = FABRIC8.unmarshal(body, GenericKubernetesResourceList.class).getItems();
      List<ObjectShaper.Shaped> shaped = new ArrayList<>();
      ListPage.Meta meta = ListPage.read(body.getBytes(StandardCharsets.UTF_8), shaper, null, new ListPage.Reader() {
        @Override
        public void meta(ListPage.Meta m) {}

        @Override
        public void item(ObjectShaper.Shaped item) {
          shaped.add(item);
        }
      });
      assertEquals(old.size(), shaped.size(), t.qualifiedResource());
      for (int i = 0; i < old.size(); i++) {
        GenericKubernetesResource o = old.get(i);
        ObjectShaper.Shaped s = shaped.get(i);
        String what = t.qualifiedResource() + " " + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
        Map<String, String> labels = o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
        assertEquals(JSON.valueToTree(labels), JSON.readTree(s.labelsJson()), what);
        assertEquals(o.getMetadata().getOwnerReferences().stream().map(r -> r.getUid()).distinct().toList(),
            s.ownerUids(), what);
        assertEquals(o.getMetadata().getCreationTimestamp() == null ? null
            : Instant.parse(o.getMetadata().getCreationTimestamp()).toEpochMilli(), s.createdMs(), what);
        assertEquals(o.getMetadata().getUid(), s.uid(), what);
        assertEquals(o.getMetadata().getResourceVersion(), s.resourceVersion(), what);
        assertEquals(o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace(), s.namespace(),
            what);
        JsonNode expected = JSON.readTree(OldShaper.stringJson(t, keepSecretData, false, o));
        JsonNode actual = JSON.readTree(s.json());
        assertEquals(expected, actual, what);
        if (t.resource().equals("secrets") && t.group().isEmpty() && !keepSecretData) {
          assertFalse(actual.has("data") || actual.has("stringData"), what);
        }
        count++;
      }
      cont = meta.last() ? null : meta.continueToken();
    } while (cont != null);
    return count;
  }
}
