package io.kubebackend.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListMetaBuilder;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.store.Change;
import io.kubebackend.store.MirrorStore;
import io.kubebackend.store.ObjectKey;
import io.kubebackend.testing.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reflector rules of {@link ResourceSync} against a fake apiserver ({@link ListerWatcher}): list, then watch
 * from the list's resourceVersion; a closed watch resumes from the last version seen without listing; a 410 lists
 * again and deletes what vanished; nothing unchanged is rewritten. The end-to-end tests run the same rules against
 * a real apiserver.
 */
class ResourceSyncTest {
  static final ResourceType CM = new ResourceType("", "v1", "configmaps", "ConfigMap", true);

  /** An apiserver held in memory: what it lists, and the watches it has open. */
  static final class FakeApiserver implements ListerWatcher {
    volatile List<GenericKubernetesResource> objects = List.of();
    volatile String listVersion = "1";
    final List<String> watchVersions = new CopyOnWriteArrayList<>();
    final LinkedBlockingQueue<ListerWatcher.WatchEvents> watchers = new LinkedBlockingQueue<>();
    volatile int lists;

    @Override
    public byte[] list(ListOptions options) {
      lists++;
      GenericKubernetesResourceList list = new GenericKubernetesResourceList();
      list.setItems(new ArrayList<>(objects));
      list.setMetadata(new ListMetaBuilder().withResourceVersion(listVersion).build());
      return bytes(list);
    }

    @Override
    public Watch watch(ListOptions options, ListerWatcher.WatchEvents watcher) {
      watchVersions.add(options.getResourceVersion());
      watchers.add(watcher);
      return () -> { };
    }

    ListerWatcher.WatchEvents nextWatch() throws InterruptedException {
      ListerWatcher.WatchEvents w = watchers.poll(10, java.util.concurrent.TimeUnit.SECONDS);
      if (w == null) {
        throw new AssertionError("no watch was started");
      }
      return w;
    }
  }

  /** Records what the writer applies; starts with the rows given. */
  static class RecordingStore implements MirrorStore {
    final List<Change> applied = Collections.synchronizedList(new ArrayList<>());
    final Map<String, String> seeded;

    RecordingStore(Map<String, String> seeded) {
      this.seeded = seeded;
    }

    @Override
    public void apply(List<Change> changes) {
      applied.addAll(changes);
    }

    @Override
    public Map<String, String> resourceVersions(String cluster, ResourceType type) {
      return seeded;
    }

    @Override
    public Optional<StoredObject> get(ObjectKey key) {
      return Optional.empty();
    }

    @Override
    public Map<String, String> uidVersions(String cluster) {
      return Map.of();
    }

    @Override
    public long count(String cluster) {
      return 0;
    }

    @Override
    public List<SyncStatusRow> syncStatus(String cluster) {
      return List.of();
    }

    /** The object changes so far, as {@code op name@rv} (delete as {@code d name}). */
    List<String> objectChanges() {
      synchronized (applied) {
        List<String> out = new ArrayList<>();
        for (Change c : applied) {
          if (c instanceof Change.Upsert u) {
            out.add(u.op().code + " " + u.name() + "@" + u.resourceVersion());
          } else if (c instanceof Change.Delete d) {
            out.add("d " + d.name());
          }
        }
        return out;
      }
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static byte[] event(String name, int rv) {
    return ("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"ns\","
        + "\"resourceVersion\":\"" + rv + "\"}}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** One watch event as the apiserver sends it. */
  private static void send(ListerWatcher.WatchEvents w, String type, GenericKubernetesResource o) {
    w.event(("{\"type\":\"" + type + "\",\"object\":" + new KubernetesSerialization().asJson(o) + "}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** A LIST answer's body as the apiserver sends one: the list's metadata before its items. */
  private static byte[] bytes(GenericKubernetesResourceList list) {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var body = json.createObjectNode().put("kind", "ConfigMapList").put("apiVersion", "v1");
    body.set("metadata", json.valueToTree(list.getMetadata()));
    body.set("items", json.valueToTree(list.getItems()));
    return body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static GenericKubernetesResource cm(String name, String rv) {
    return new GenericKubernetesResourceBuilder().withApiVersion("v1").withKind("ConfigMap").withNewMetadata()
        .withName(name).withNamespace("ns").withUid("uid-" + name).withResourceVersion(rv).endMetadata().build();
  }

  private final FakeApiserver apiserver = new FakeApiserver();
  private ChangeWriter writer;
  private ResourceSync sync;

  private RecordingStore start(Map<String, String> seeded) {
    return start(apiserver, new RecordingStore(seeded), 100, 10, null);
  }

  /** Starts a sync of {@code source} into {@code store}, with a writer of that queue and batch size. */
  private <S extends RecordingStore> S start(ListerWatcher source, S store, int queue, int batch, Runnable onEvent) {
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    writer = new ChangeWriter(store, queue, batch, metrics);
    sync = new ResourceSync("c1", CM, source, new KubernetesSerialization(), store, writer, false, false, onEvent,
        Clock.systemUTC(), new MirrorMetrics(metrics));
    sync.start();
    return store;
  }

  @AfterEach
  void stop() {
    if (sync != null) {
      sync.stop();
      writer.close();
    }
  }

  private static void awaitChanges(RecordingStore store, List<String> expected) {
    Await.until(Duration.ofSeconds(10), "changes " + expected, () -> store.objectChanges().equals(expected));
  }

  @Test
  void theNextListPageIsInFlightWhileThisOneIsWritten() throws Exception {
    // Three pages of 300 objects; the store is held on its first write until page 2 has been asked for. With the
    // writer's queue (100) full of page 1, only a request made before page 1 was queued can get there.
    CountDownLatch secondPageAsked = new CountDownLatch(1);
    ListerWatcher paged = new ListerWatcher() {
      @Override
      public byte[] list(ListOptions options) {
        int page = options.getContinue() == null ? 1 : Integer.parseInt(options.getContinue());
        if (page == 2) {
          secondPageAsked.countDown();
        }
        GenericKubernetesResourceList list = new GenericKubernetesResourceList();
        List<GenericKubernetesResource> items = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
          items.add(cm("p" + page + "-" + i, Integer.toString(page * 1000 + i)));
        }
        list.setItems(items);
        list.setMetadata(new ListMetaBuilder().withResourceVersion("5000")
            .withContinue(page < 3 ? Integer.toString(page + 1) : null).build());
        return bytes(list);
      }

      @Override
      public Watch watch(ListOptions options, ListerWatcher.WatchEvents watcher) {
        return () -> { };
      }
    };
    AtomicBoolean inFlight = new AtomicBoolean();
    AtomicBoolean held = new AtomicBoolean();
    RecordingStore store = new RecordingStore(Map.of()) {
      @Override
      public void apply(List<Change> changes) {
        if (held.compareAndSet(false, true)) {
          try {
            inFlight.set(secondPageAsked.await(5, TimeUnit.SECONDS));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        super.apply(changes);
      }
    };
    start(paged, store, 100, 10, null);
    Await.until(Duration.ofSeconds(20), "every page written", () -> store.objectChanges().size() == 900);
    assertTrue(inFlight.get(), "page 2 was asked for while page 1 was still being written");
    assertEquals("r p3-299@3299", store.objectChanges().getLast());
  }

  @Test
  void listsThenWatchesFromTheListsVersionAndAppliesEvents() throws Exception {
    apiserver.objects = List.of(cm("a", "1"), cm("b", "2"));
    apiserver.listVersion = "10";
    RecordingStore store = start(Map.of());
    ListerWatcher.WatchEvents w = apiserver.nextWatch();
    assertEquals(List.of("10"), apiserver.watchVersions);
    send(w, "MODIFIED", cm("a", "11"));
    send(w, "ADDED", cm("c", "12"));
    send(w, "MODIFIED", cm("c", "12")); // a repeat of what is known: nothing to write
    send(w, "DELETED", cm("b", "13"));
    awaitChanges(store, List.of("r a@1", "r b@2", "u a@11", "c c@12", "d b"));
  }

  @Test
  void aClosedWatchResumesFromTheLastVersionWithoutListing() throws Exception {
    apiserver.objects = List.of(cm("a", "1"));
    apiserver.listVersion = "5";
    RecordingStore store = start(Map.of());
    ListerWatcher.WatchEvents w = apiserver.nextWatch();
    send(w, "MODIFIED", cm("a", "7"));
    w.closed(new WatcherException("connection reset"));
    apiserver.nextWatch();
    assertEquals(List.of("5", "7"), apiserver.watchVersions);
    assertEquals(1, apiserver.lists, "no list for a watch that merely closed");
    awaitChanges(store, List.of("r a@1", "u a@7"));
  }

  @Test
  void aGoneWatchListsAgainAndDeletesWhatVanishedUnseen() throws Exception {
    apiserver.objects = List.of(cm("a", "1"), cm("b", "2"));
    RecordingStore store = start(Map.of());
    ListerWatcher.WatchEvents w = apiserver.nextWatch();
    // Meanwhile b was deleted and c created, and the watch's version was compacted away.
    apiserver.objects = List.of(cm("a", "1"), cm("c", "30"));
    apiserver.listVersion = "31";
    w.closed(new WatcherException("too old resource version", new KubernetesClientException("gone", 410, null)));
    apiserver.nextWatch();
    assertEquals(2, apiserver.lists);
    assertEquals("31", apiserver.watchVersions.getLast());
    awaitChanges(store, List.of("r a@1", "r b@2", "r c@30", "d b"));
  }

  @Test
  void objectsTheDatabaseAlreadyHasAreNotWrittenAgain() throws Exception {
    apiserver.objects = List.of(cm("a", "1"), cm("b", "3"));
    RecordingStore store = start(Map.of("ns/a", "1", "ns/b", "2", "ns/gone", "9"));
    apiserver.nextWatch();
    awaitChanges(store, List.of("r b@3", "d gone"));
    assertTrue(store.objectChanges().stream().noneMatch(c -> c.contains(" a@")), "a unchanged, not rewritten");
  }

  @Test
  void watchErrorEventsBookmarksAndALateSignalOfAnEndedWatch() throws Exception {
    apiserver.objects = List.of(cm("a", "1"));
    apiserver.listVersion = "5";
    RecordingStore store = start(Map.of());
    ListerWatcher.WatchEvents first = apiserver.nextWatch();
    first.event(utf8("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"8\"}}}"));
    // An ERROR other than 410 ends the watch; the next starts from the bookmark, with no list.
    first.event(utf8("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"internal\",\"code\":500}}"));
    ListerWatcher.WatchEvents second = apiserver.nextWatch();
    assertEquals(List.of("5", "8"), apiserver.watchVersions);
    assertEquals(1, apiserver.lists);
    // What the ended watch still hands over is not applied.
    send(first, "MODIFIED", cm("a", "99"));
    first.closed(null);
    send(second, "MODIFIED", cm("a", "9"));
    awaitChanges(store, List.of("r a@1", "u a@9"));
    // An unreadable event ends the watch too, and so does a 410 ERROR, which lists again.
    second.event(utf8("{\"type\":\"MODIFIED\",\"object\":{\"metadata\":"));
    ListerWatcher.WatchEvents third = apiserver.nextWatch();
    assertEquals("9", apiserver.watchVersions.getLast());
    apiserver.listVersion = "40";
    third.event(utf8("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Expired\",\"code\":410}}"));
    apiserver.nextWatch();
    assertEquals(2, apiserver.lists);
    assertEquals("40", apiserver.watchVersions.getLast());
  }

  @Test
  void anErrorWithoutCodeOrAnEventBrokenHalfWayRestartsTheWatchFromBeforeIt() throws Exception {
    apiserver.objects = List.of(cm("a", "1"));
    apiserver.listVersion = "5";
    RecordingStore store = start(Map.of());
    ListerWatcher.WatchEvents w = apiserver.nextWatch();
    w.event("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"status\":\"Failure\"}}"
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    w = apiserver.nextWatch();
    // The metadata reads well, the rest does not: the next watch starts from 5 again, not from 6.
    w.event("{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"resourceVersion\":\"6\"},\"data\":{\"k\":tru}}}"
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    w = apiserver.nextWatch();
    assertEquals(List.of("5", "5", "5"), apiserver.watchVersions);
    send(w, "MODIFIED", cm("a", "6"));
    awaitChanges(store, List.of("r a@1", "u a@6"));
  }

  /**
   * The sync ends a watch itself (an unreadable event) while the inbox is full behind a slow database; the watch's
   * close hands over its end at once, on the sync's own thread, as RawWatch does. That must not wait for room in
   * the inbox only the sync thread empties: the next watch starts.
   */
  @Test
  void endingAWatchWithAFullInboxDoesNotWaitForItself() throws Exception {
    LinkedBlockingQueue<ListerWatcher.WatchEvents> watches = new LinkedBlockingQueue<>();
    ListerWatcher closesAtOnce = new ListerWatcher() {
      @Override
      public byte[] list(ListOptions options) {
        GenericKubernetesResourceList list = new GenericKubernetesResourceList();
        list.setMetadata(new ListMetaBuilder().withResourceVersion("1").build());
        return bytes(list);
      }

      @Override
      public Watch watch(ListOptions options, ListerWatcher.WatchEvents events) {
        watches.add(events);
        AtomicBoolean ended = new AtomicBoolean();
        return () -> {
          if (ended.compareAndSet(false, true)) {
            events.closed(null);
          }
        };
      }
    };
    CountDownLatch release = new CountDownLatch(1);
    RecordingStore store = new RecordingStore(Map.of()) {
      @Override
      public void apply(List<Change> changes) {
        if (changes.stream().anyMatch(c -> c instanceof Change.Upsert u && u.name().equals("a0"))) {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        super.apply(changes);
      }
    };
    start(closesAtOnce, store, 1, 1, null);
    ListerWatcher.WatchEvents first = watches.poll(10, TimeUnit.SECONDS);
    java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
    Thread.ofPlatform().daemon(true).start(() -> {
      for (int i = 0; i < 3; i++) {
        first.event(event("a" + i, 10 + i));
        sent.incrementAndGet();
      }
      // Long to read before it breaks (too deeply nested), so the inbox is full again when the sync gives up.
      first.event(("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"bad\",\"namespace\":\"ns\","
          + "\"resourceVersion\":\"50\"},\"spec\":{\"s\":\"" + "x".repeat(2_000_000) + "\",\"d\":" + "[".repeat(1001)
          + "]".repeat(1001) + "}}}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
      sent.incrementAndGet();
      for (int i = 0; i < 5000; i++) {
        first.event(event("b" + i, 100 + i));
        sent.incrementAndGet();
      }
    });
    while (sent.get() < 1026) {
      Thread.sleep(10);
    }
    Thread.sleep(200);
    release.countDown();
    assertTrue(watches.poll(10, TimeUnit.SECONDS) != null, "the sync never watched again");
  }

  /** A CRD created while the first discovery ran comes in the list, not as an event: it must signal too. */
  @Test
  void whatAListFindsNewOrGoneSignalsAChangeAndWhatItAlreadyHasDoesNot() throws Exception {
    apiserver.objects = List.of(cm("a", "1"), cm("b", "2"));
    java.util.concurrent.atomic.AtomicInteger signals = new java.util.concurrent.atomic.AtomicInteger();
    RecordingStore store = start(apiserver, new RecordingStore(Map.of("ns/a", "1", "ns/gone", "9")), 100, 10,
        signals::incrementAndGet);
    ListerWatcher.WatchEvents w = apiserver.nextWatch();
    awaitChanges(store, List.of("r b@2", "d gone"));
    assertEquals(2, signals.get(), "b is new, gone is gone, a is unchanged");
    send(w, "MODIFIED", cm("a", "1")); // a repeat: no change, no signal
    send(w, "MODIFIED", cm("a", "3"));
    awaitChanges(store, List.of("r b@2", "d gone", "u a@3"));
    assertEquals(3, signals.get());
  }

  @Test
  void rawWatchLinesAreCutAtNewlinesAcrossChunks() {
    RawWatch.Lines lines = new RawWatch.Lines();
    List<String> out = new ArrayList<>();
    String stream = "{\"a\":1}\n{\"b\":\"x\\ny\"}\n\n{\"c\":" + "7".repeat(3000) + "}\n{\"partial";
    byte[] bytes = stream.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int at = 0; at < bytes.length; at += 7) {
      lines.add(java.nio.ByteBuffer.wrap(bytes, at, Math.min(7, bytes.length - at)).slice(),
          l -> out.add(new String(l, java.nio.charset.StandardCharsets.UTF_8)));
    }
    assertEquals(List.of("{\"a\":1}", "{\"b\":\"x\\ny\"}", "{\"c\":" + "7".repeat(3000) + "}"), out);
  }
}
