package io.kubebackend.api.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.Await;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The real kubectl (built from the same Kubernetes module and version as the local clusters) against the
 * Kubernetes API of the mirror, with the kubeconfig kube-backend hands out: discovery, get in every output, watch,
 * apply (client- and server-side), edit, scale, label, delete, explain, the all-clusters context and a refused token.
 * What kubectl prints through the mirror is compared with what it prints against the apiserver itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private RunningBackend kb;
  private KubernetesClient direct1;
  private KubernetesClient direct2;
  private Path kubectl;
  private Path kubeconfig;
  private Path cacheDir;
  private final String ns = "kctl-" + UUID.randomUUID().toString().substring(0, 6);

  /** What a kubectl run printed. */
  record Run(int exit, String out, String err) {
    Run ok() {
      assertEquals(0, exit, "kubectl failed: " + err + out);
      return this;
    }
  }

  @BeforeAll
  void start() throws Exception {
    ClusterSpec c1 = ClusterSpec.fromKubeconfig("cluster-1", TestServers.kubeconfig(1).toString(), null);
    ClusterSpec c2 = ClusterSpec.fromKubeconfig("cluster-2", TestServers.kubeconfig(2).toString(), null);
    kubectl = TestServers.kubectl();
    direct1 = ClusterClients.connect(c1);
    direct2 = ClusterClients.connect(c2);
    for (KubernetesClient c : List.of(direct1, direct2)) {
      c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
      for (int i = 0; i < 5; i++) {
        c.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("cm-" + i)
            .addToLabels("app", i % 2 == 0 ? "even" : "odd").endMetadata().addToData("k", "v" + i).build()).create();
      }
    }
    kb = RunningBackend.start(Dialect.SQLITE, c1, c2);
    Await.until(Duration.ofSeconds(120), "both clusters mirrored", () ->
        kb.get("/api/v1/clusters/cluster-2/api/v1/namespaces/" + ns + "/configmaps/cm-4").statusCode() == 200
            && kb.get("/api/v1/clusters/cluster-1/api/v1/namespaces/" + ns + "/configmaps/cm-4").statusCode() == 200);
    var r = kb.get("/api/v1/kubeconfig");
    assertEquals(200, r.statusCode(), r.body());
    kubeconfig = Files.createTempFile("kb-kubeconfig", ".yaml");
    Files.writeString(kubeconfig, r.body());
    cacheDir = Files.createTempDirectory("kb-kubectl-cache");
  }

  @AfterAll
  void stop() {
    for (KubernetesClient c : List.of(direct1, direct2)) {
      c.namespaces().withName(ns).delete();
      c.close();
    }
    kb.close();
  }

  private Run kubectl(Path config, String context, Map<String, String> env, String stdin, String... args)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig", config.toString(), "--cache-dir",
        cacheDir.toString()));
    if (context != null) {
      cmd.add("--context");
      cmd.add(context);
    }
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Path out = Files.createTempFile("kubectl", ".out");
    Path err = Files.createTempFile("kubectl", ".err");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish");
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private Run mirror(String... args) throws Exception {
    return kubectl(kubeconfig, "cluster-1", Map.of(), null, args);
  }

  private Run apiserver(int cluster, String... args) throws Exception {
    return kubectl(TestServers.kubeconfig(cluster), null, Map.of(), null, args);
  }

  @Test
  void versionAndApiResources() throws Exception {
    Run v = mirror("version", "-o", "json").ok();
    assertEquals(TestServers.kubernetesVersion(), JSON.readTree(v.out()).at("/serverVersion/gitVersion").asText());
    Run resources = mirror("api-resources", "-o", "name").ok();
    for (String r : List.of("pods", "configmaps", "deployments.apps", "namespaces")) {
      assertTrue(resources.out().lines().anyMatch(r::equals), r + " in " + resources.out());
    }
  }

  /** The items of a list without what differs by design: resourceVersions and kube-backend's annotations. */
  private static Map<String, JsonNode> items(String listJson) throws IOException {
    Map<String, JsonNode> out = new TreeMap<>();
    for (JsonNode item : JSON.readTree(listJson).path("items")) {
      ObjectNode meta = (ObjectNode) item.path("metadata");
      meta.remove("resourceVersion");
      meta.remove("managedFields");
      if (meta.path("annotations") instanceof ObjectNode a) {
        a.remove("kubebackend.io/cluster-resource-version");
        a.remove("kubebackend.io/cluster");
        if (a.isEmpty()) {
          meta.remove("annotations");
        }
      }
      out.put(meta.path("namespace").asText() + "/" + meta.path("name").asText(), item);
    }
    return out;
  }

  @Test
  void getThroughTheMirrorEqualsGetAgainstTheApiserver() throws Exception {
    for (int cluster : List.of(1, 2)) {
      for (String kind : List.of("configmaps", "namespaces", "serviceaccounts", "clusterroles")) {
        List<String> args = new ArrayList<>(List.of("get", kind, "-o", "json"));
        if (!kind.equals("namespaces") && !kind.equals("clusterroles")) {
          args.addAll(List.of("-n", ns));
        }
        Run viaMirror = kubectl(kubeconfig, "cluster-" + cluster, Map.of(), null, args.toArray(String[]::new)).ok();
        Run viaApiserver = apiserver(cluster, args.toArray(String[]::new)).ok();
        Map<String, JsonNode> mine = items(viaMirror.out());
        Map<String, JsonNode> theirs = items(viaApiserver.out());
        if (kind.equals("namespaces")) {
          // Other tests create and delete namespaces meanwhile: compare the ones both saw.
          mine.keySet().retainAll(theirs.keySet());
          theirs.keySet().retainAll(mine.keySet());
          assertTrue(mine.containsKey("/" + ns));
        }
        assertEquals(theirs, mine, kind + " of cluster-" + cluster);
      }
    }
  }

  @Test
  void selectorsChunksAndOutputs() throws Exception {
    assertEquals(Set.of("configmap/cm-0", "configmap/cm-2", "configmap/cm-4"),
        new TreeSet<>(mirror("get", "configmaps", "-n", ns, "-l", "app=even", "-o", "name").ok().out().lines()
            .toList()));
    assertEquals(List.of("configmap/cm-3"), mirror("get", "configmaps", "-n", ns, "--field-selector",
        "metadata.name=cm-3", "-o", "name").ok().out().lines().toList());
    assertEquals(6, mirror("get", "configmaps", "-n", ns, "--chunk-size", "2", "-o", "name").ok().out().lines()
        .count(), "five and kube-root-ca.crt, fetched two at a time");
    Run table = mirror("get", "configmaps", "-n", ns, "-l", "app=odd").ok();
    List<String> lines = table.out().lines().toList();
    assertTrue(lines.get(0).matches("NAME\\s+DATA\\s+AGE"), table.out());
    assertTrue(lines.get(1).matches("cm-1\\s+1\\s+\\S+"), table.out());
    Run wide = mirror("get", "deployments", "-A", "-o", "wide").ok();
    assertTrue(wide.out().isEmpty() || wide.out().startsWith("NAMESPACE"), wide.out() + wide.err());
    Run yaml = mirror("get", "configmap", "cm-1", "-n", ns, "-o", "yaml").ok();
    assertTrue(yaml.out().contains("name: cm-1") && yaml.out().contains("k: v1"), yaml.out());
    Run all = mirror("get", "configmaps", "-A", "-l", "app=odd").ok();
    assertTrue(all.out().lines().findFirst().orElse("").matches("NAMESPACE\\s+NAME\\s+DATA\\s+AGE"), all.out());
    Run bad = mirror("get", "configmaps", "-n", ns, "--field-selector", "data.k=v1");
    assertFalse(bad.exit() == 0);
    assertTrue(bad.err().contains("field label not supported"), bad.err());
  }

  @Test
  void theAllClustersContextShowsBothClustersWithAClusterColumn() throws Exception {
    Run all = kubectl(kubeconfig, "_all", Map.of(), null, "get", "configmaps", "-n", ns, "-l", "app=odd").ok();
    List<String> lines = all.out().lines().toList();
    assertTrue(lines.get(0).matches("CLUSTER\\s+NAME\\s+DATA\\s+AGE"), all.out());
    assertEquals(Set.of("cluster-1 cm-1", "cluster-1 cm-3", "cluster-2 cm-1", "cluster-2 cm-3"),
        new TreeSet<>(lines.subList(1, lines.size()).stream().map(l -> String.join(" ",
            List.of(l.split("\\s+")).subList(0, 2))).toList()));
    Run write = kubectl(kubeconfig, "_all", Map.of(), null, "delete", "configmap", "cm-1", "-n", ns);
    assertFalse(write.exit() == 0, "the merged view is read-only");
    assertTrue(direct1.configMaps().inNamespace(ns).withName("cm-1").get() != null);
  }

  @Test
  void aWatchSeesAChangeMadeOnTheApiserver() throws Exception {
    List<String> cmd = List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString(), "--cache-dir",
        cacheDir.toString(), "--context", "cluster-1", "get", "configmaps", "-n", ns, "-w", "--output-watch-events");
    Path out = Files.createTempFile("watch", ".out");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectErrorStream(true).start();
    try {
      Await.until(Duration.ofSeconds(30), "the initial list", () -> read(out).contains("cm-4"));
      direct1.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("watched")
          .endMetadata().addToData("a", "b").build()).create();
      Await.until(Duration.ofSeconds(30), "the new object in the watch", () -> read(out).lines()
          .anyMatch(l -> l.matches("ADDED\\s+watched\\s+1\\s+\\S+")));
      direct1.configMaps().inNamespace(ns).withName("watched").edit(c -> {
        c.getData().put("c", "d");
        return c;
      });
      Await.until(Duration.ofSeconds(30), "the change in the watch", () -> read(out).lines()
          .anyMatch(l -> l.matches("MODIFIED\\s+watched\\s+2\\s+\\S+")));
    } finally {
      p.destroy();
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void applyEditScaleLabelDelete() throws Exception {
    String deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: NS, labels: {app: web}}
        spec:
          replicas: 1
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: nginx, image: nginx:1.27}]}
        """.replace("NS", ns);
    kubectl(kubeconfig, "cluster-1", Map.of(), deployment, "apply", "-f", "-").ok();
    assertEquals(1, direct1.apps().deployments().inNamespace(ns).withName("web").get().getSpec().getReplicas());
    kubectl(kubeconfig, "cluster-1", Map.of(), deployment.replace("replicas: 1", "replicas: 2"), "apply", "-f", "-")
        .ok();
    assertEquals(2, direct1.apps().deployments().inNamespace(ns).withName("web").get().getSpec().getReplicas());
    kubectl(kubeconfig, "cluster-1", Map.of(), deployment.replace("replicas: 1", "replicas: 3"), "apply",
        "--server-side", "--force-conflicts", "-f", "-").ok();
    assertEquals(3, direct1.apps().deployments().inNamespace(ns).withName("web").get().getSpec().getReplicas());
    mirror("scale", "deployment", "web", "-n", ns, "--replicas=4").ok();
    assertEquals(4, direct1.apps().deployments().inNamespace(ns).withName("web").get().getSpec().getReplicas());
    mirror("label", "configmap", "cm-2", "-n", ns, "tier=gold").ok();
    assertEquals("gold", direct1.configMaps().inNamespace(ns).withName("cm-2").get().getMetadata().getLabels()
        .get("tier"));
    mirror("annotate", "configmap", "cm-2", "-n", ns, "note=hi").ok();
    assertEquals("hi", direct1.configMaps().inNamespace(ns).withName("cm-2").get().getMetadata().getAnnotations()
        .get("note"));
    Path editor = Files.createTempFile("editor", ".sh");
    Files.writeString(editor, "#!/bin/sh\nsed -i 's/k: v3/k: edited/' \"$1\"\n");
    editor.toFile().setExecutable(true);
    kubectl(kubeconfig, "cluster-1", Map.of("KUBE_EDITOR", editor.toString()), null, "edit", "configmap", "cm-3",
        "-n", ns).ok();
    assertEquals("edited", direct1.configMaps().inNamespace(ns).withName("cm-3").get().getData().get("k"));
    // replace sends the object back with the mirror's resourceVersion: translated, so it is no conflict.
    Run got = mirror("get", "configmap", "cm-3", "-n", ns, "-o", "json").ok();
    ObjectNode cm = (ObjectNode) JSON.readTree(got.out());
    ((ObjectNode) cm.path("data")).put("k", "replaced");
    kubectl(kubeconfig, "cluster-1", Map.of(), cm.toString(), "replace", "-f", "-").ok();
    assertEquals("replaced", direct1.configMaps().inNamespace(ns).withName("cm-3").get().getData().get("k"));
    // The same resourceVersion again is stale now: 409, as on the apiserver.
    Run stale = kubectl(kubeconfig, "cluster-1", Map.of(), cm.toString(), "replace", "-f", "-");
    assertFalse(stale.exit() == 0);
    assertTrue(stale.err().contains("Conflict") || stale.err().contains("modified"), stale.err());
    mirror("delete", "deployment", "web", "-n", ns, "--wait=true", "--timeout=60s").ok();
    Await.until(Duration.ofSeconds(30), "the deployment gone", () ->
        direct1.apps().deployments().inNamespace(ns).withName("web").get() == null);
    Run gone = mirror("get", "deployment", "web", "-n", ns);
    assertTrue(gone.err().contains("NotFound"), gone.err());
  }

  @Test
  void explainAndARefusedToken() throws Exception {
    Run explain = mirror("explain", "pods.spec.nodeName").ok();
    assertTrue(explain.out().contains("KIND:") && explain.out().contains("Pod"), explain.out());
    Path bad = Files.createTempFile("bad", ".yaml");
    Files.writeString(bad, Files.readString(kubeconfig).replaceAll("token: .*", "token: not-a-token"));
    Run refused = kubectl(bad, "cluster-1", Map.of(), null, "get", "configmaps", "-n", ns);
    assertFalse(refused.exit() == 0);
    assertTrue(refused.err().contains("You must be logged in to the server") || refused.err().contains("Unauthorized"),
        refused.err());
  }
}
