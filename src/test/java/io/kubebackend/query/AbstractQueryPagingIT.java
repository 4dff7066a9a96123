package io.kubebackend.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.Await;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Sorting and keyset pagination across both clusters while objects are being created and deleted: no object is
 * returned twice, no object that existed throughout is skipped, and the pages together are in the requested order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractQueryPagingIT {
  abstract Dialect dialect();

  private static final int STABLE = 24;
  private static final int DOOMED = 8;
  private static final List<String> GROUPS = List.of("a", "b", "c");
  private QueryFixture f;

  @BeforeAll
  void start() {
    f = QueryFixture.start(dialect());
  }

  @AfterAll
  void stop() {
    if (f != null) {
      f.close();
    }
  }

  private static void create(KubernetesClient c, String ns, String name, String group, String role) {
    c.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
        .addToLabels("set", "paging").addToLabels("grp", group).addToLabels("role", role).endMetadata().build())
        .create();
  }

  /** Creates and deletes objects in both clusters until stopped; counts its operations. */
  private final class Churn implements AutoCloseable {
    final AtomicInteger operations = new AtomicInteger();
    final Set<String> touched = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    Churn(String ns, String variant, List<String> doomed) {
      ConcurrentLinkedQueue<String> deletable = new ConcurrentLinkedQueue<>(doomed);
      Random random = new Random(variant.hashCode());
      thread = Thread.ofVirtual().start(() -> {
        int k = 0;
        while (running.get()) {
          String cluster = k % 2 == 0 ? "cluster-1" : "cluster-2";
          String name = String.format("s-%03d-n%s-%d", random.nextInt(STABLE), variant, k++);
          create(f.client(cluster), ns, name, GROUPS.get(random.nextInt(3)), "churn");
          touched.add(cluster + "/" + ns + "/" + name);
          deletable.add(cluster + "/" + ns + "/" + name);
          // The doomed objects go first, then the oldest of the new ones.
          String[] victim = deletable.remove().split("/");
          f.client(victim[0]).configMaps().inNamespace(ns).withName(victim[2]).delete();
          operations.incrementAndGet();
        }
      });
    }

    void awaitMore(int n) {
      int target = operations.get() + n;
      Await.until(Duration.ofSeconds(30), n + " more churn operations", () -> operations.get() >= target);
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join();
    }
  }

  /** One sort order: the sort parameter and the same order in Java, for checking the pages. */
  private record Order(String sort, Comparator<JsonNode> comparator) {}

  private static Comparator<JsonNode> text(String pointer) {
    return Comparator.comparing(i -> i.at(pointer).asText(""));
  }

  private static final Comparator<JsonNode> CLUSTER = Comparator.comparing(QueryFixture::cluster);
  private static final Comparator<JsonNode> CREATED = Comparator.comparing(
      i -> Instant.parse(i.at("/metadata/creationTimestamp").asText()));
  /** The primary key after the sort keys: cluster, group, resource (all ConfigMaps here), namespace, name. */
  private static final Comparator<JsonNode> KEY = CLUSTER.thenComparing(text("/metadata/namespace"))
      .thenComparing(text("/metadata/name"));

  private static List<Order> orders() {
    return List.of(
        new Order("metadata.name", text("/metadata/name").thenComparing(KEY)),
        new Order("-metadata.name", text("/metadata/name").reversed().thenComparing(KEY)),
        new Order("metadata.labels.grp,-metadata.creationTimestamp,metadata.name",
            text("/metadata/labels/grp").thenComparing(CREATED.reversed()).thenComparing(text("/metadata/name"))
                .thenComparing(KEY)),
        new Order("-cluster,metadata.labels[\"grp\"]", CLUSTER.reversed().thenComparing(text("/metadata/labels/grp"))
            .thenComparing(KEY)),
        new Order("", KEY));
  }

  @Test
  void keysetPagesAreStableWhileObjectsComeAndGo() throws Exception {
    String ns = f.namespace("paging");
    Set<String> stable = new TreeSet<>();
    for (int i = 0; i < STABLE; i++) {
      for (String cluster : List.of("cluster-1", "cluster-2")) {
        create(f.client(cluster), ns, String.format("s-%03d", i), GROUPS.get(i % 3), "stable");
        stable.add(cluster + "/" + ns + "/" + String.format("s-%03d", i));
      }
    }
    int variant = 0;
    for (Order order : orders()) {
      String v = Integer.toString(variant++);
      // Objects that exist when paging starts and are deleted while it runs.
      List<String> doomed = new ArrayList<>();
      for (int i = 0; i < DOOMED; i++) {
        String cluster = i % 2 == 0 ? "cluster-1" : "cluster-2";
        String name = String.format("s-%03d-d%s", i * STABLE / DOOMED, v);
        create(f.client(cluster), ns, name, GROUPS.get(i % 3), "doomed");
        doomed.add(cluster + "/" + ns + "/" + name);
      }
      Set<String> before = new TreeSet<>(stable);
      before.addAll(doomed);
      f.awaitIds(before, "namespace", ns, "labelSelector", "set=paging");

      List<JsonNode> items = new ArrayList<>();
      int pages = 0;
      try (Churn churn = new Churn(ns, v, doomed)) {
        String cont = null;
        do {
          // The page size may change from page to page; the filters and the sort may not.
          List<String> params = new ArrayList<>(List.of("namespace", ns, "labelSelector", "set=paging",
              "resource", "configmaps", "limit", pages % 2 == 0 ? "5" : "9"));
          if (!order.sort().isEmpty()) {
            params.addAll(List.of("sort", order.sort()));
          }
          if (cont != null) {
            params.addAll(List.of("continue", cont));
          }
          JsonNode page = f.query(params.toArray(String[]::new));
          page.path("items").forEach(items::add);
          cont = page.path("metadata").path("continue").asText(null);
          pages++;
          churn.awaitMore(2);
        } while (cont != null);
        Set<String> seen = new HashSet<>();
        for (JsonNode item : items) {
          String id = QueryFixture.id(item);
          assertTrue(seen.add(id), order.sort() + ": " + id + " returned twice");
          assertTrue(stable.contains(id) || doomed.contains(id) || churn.touched.contains(id),
              order.sort() + ": unknown object " + id);
        }
        Set<String> skipped = new TreeSet<>(stable);
        skipped.removeAll(seen);
        assertEquals(Set.of(), skipped, order.sort() + ": objects that existed throughout were skipped");
        assertTrue(churn.operations.get() >= 2 * (pages - 1), "objects changed between the pages");
        long doomedSeen = doomed.stream().filter(seen::contains).count();
        long newSeen = churn.touched.stream().filter(seen::contains).count();
        System.out.printf("[%s] sort '%s': %d pages, %d items (%d doomed, %d created during paging), %d changes%n",
            dialect(), order.sort(), pages, items.size(), doomedSeen, newSeen, churn.operations.get());
      }
      for (int i = 1; i < items.size(); i++) {
        assertTrue(order.comparator().compare(items.get(i - 1), items.get(i)) < 0, order.sort() + ": "
            + QueryFixture.id(items.get(i - 1)) + " before " + QueryFixture.id(items.get(i)));
      }
      assertTrue(pages >= (2 * STABLE) / 9, order.sort() + ": paged through " + pages + " pages");
      for (String cluster : List.of("cluster-1", "cluster-2")) {
        f.client(cluster).configMaps().inNamespace(ns).withLabel("role", "churn").delete();
        f.client(cluster).configMaps().inNamespace(ns).withLabel("role", "doomed").delete();
      }
    }
  }

  @Test
  void totalCountAndChosenFields() {
    String ns = f.namespace("fields");
    Set<String> all = new TreeSet<>();
    for (int i = 0; i < 7; i++) {
      String cluster = i % 2 == 0 ? "cluster-1" : "cluster-2";
      create(f.client(cluster), ns, "cm-" + i, GROUPS.get(i % 3), "stable");
      all.add(cluster + "/" + ns + "/cm-" + i);
    }
    f.awaitIds(all, "namespace", ns, "labelSelector", "set=paging");
    JsonNode page = f.query("namespace", ns, "labelSelector", "set=paging,grp!=c", "total", "true", "limit", "2",
        "fields", "metadata.labels.grp,metadata.creationTimestamp,data", "sort", "metadata.name");
    assertEquals(5, page.at("/metadata/totalCount").asLong(), "cm-0,1,3,4,6 have grp a or b");
    assertFalse(page.at("/metadata/continue").asText("").isEmpty());
    assertEquals(2, page.path("items").size());
    JsonNode first = page.path("items").get(0);
    assertEquals("cm-0", first.at("/metadata/name").asText());
    assertEquals(Set.of("apiVersion", "kind", "metadata"), fieldNames(first));
    assertEquals(Set.of("name", "namespace", "labels", "creationTimestamp", "annotations"),
        fieldNames(first.path("metadata")));
    assertEquals(Set.of("grp"), fieldNames(first.at("/metadata/labels")));
    assertEquals("cluster-1", QueryFixture.cluster(first));
    assertEquals("ConfigMap", first.path("kind").asText());

    JsonNode whole = f.query("namespace", ns, "labelSelector", "set=paging", "sort", "-metadata.name", "limit", "1");
    JsonNode cm6 = whole.path("items").get(0);
    assertEquals("cm-6", cm6.at("/metadata/name").asText());
    assertFalse(cm6.at("/metadata/uid").asText().isEmpty(), "whole objects without fields");
    assertFalse(whole.path("metadata").has("totalCount"), "no total unless asked for");
    assertEquals("v1", whole.path("apiVersion").asText());
    assertEquals("List", whole.path("kind").asText());

    // The last page has no continue token.
    JsonNode last = f.query("namespace", ns, "labelSelector", "set=paging", "limit", "7");
    assertEquals(7, last.path("items").size());
    assertFalse(last.path("metadata").has("continue"));
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> out = new TreeSet<>();
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    it.forEachRemaining(e -> out.add(e.getKey()));
    return out;
  }
}
