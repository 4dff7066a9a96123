package io.kubebackend.mirror;

import io.kubebackend.retry.Backoff;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubebackend.cluster.FailureSummary;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.store.Change;
import io.kubebackend.store.MirrorStore;
import io.kubebackend.store.SyncState;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the rows of one resource of one cluster equal to the apiserver, by client-go's reflector rules:
 * paginated LIST, then WATCH from the list's resourceVersion with bookmarks; a watch that ends is started again
 * from the last seen resourceVersion, with backoff (here, not in fabric8, whose reconnects are turned off: see
 * {@link #run}); when the apiserver answers 410 Gone the sync re-lists and reconciles.
 *
 * <p>Memory holds one entry per object: {@code namespace/name -> resourceVersion}, seeded from the database, so
 * unchanged objects are never rewritten and a re-list finds what was deleted meanwhile. A row stored at another
 * version (the preferred version changed, so this sync replaced one at the old version) is seeded as
 * {@link MirrorStore#OTHER_VERSION}: its object is unchanged, but the list rewrites it at this sync's version.
 * The index describes the state after every change this sync has queued, which makes it the single place
 * deciding create/update/skip/delete.
 *
 * <p>Threading: one virtual thread runs {@link #run}; watch callbacks only hand events to it through a bounded
 * inbox, so the index is touched by that thread alone and a slow database slows the watch down (back-pressure).
 */
final class ResourceSync {
  private static final Logger log = LoggerFactory.getLogger(ResourceSync.class);
  private static final long PAGE_SIZE = 500;
  /** Sync status rows are rewritten at most this often while events flow. */
  private static final long STATUS_INTERVAL_MS = 1_000;

  private final String cluster;
  private final ResourceType type;
  private final ListerWatcher source;
  private final MirrorStore store;
  private final ChangeWriter writer;
  private final ObjectShaper shaper;
  private final KubernetesSerialization serialization;
  private final Runnable onEvent;
  private final Clock clock;
  private final MirrorMetrics metrics;
  private final Map<String, String> index = new HashMap<>();
  private final BlockingQueue<Signal> inbox = new ArrayBlockingQueue<>(1024);
  private volatile boolean stopped;
  private volatile Watch watch;
  private Thread thread;
  private String lastResourceVersion;
  private long lastStatusMs;
  private Long lastEventMs;

  /** What a watch hands to the sync thread. */
  private sealed interface Signal {
    /** The watch whose signal this is: one that ended may still hand over what it had read. */
    InboxWatcher from();

    record Event(InboxWatcher from, byte[] json) implements Signal {}

    record Closed(InboxWatcher from, WatcherException cause) implements Signal {}
  }

  ResourceSync(String cluster, ResourceType type, KubernetesClient client, MirrorStore store, ChangeWriter writer,
               boolean keepSecretData, boolean keepManagedFields, Runnable onEvent, Clock clock,
               MirrorMetrics metrics) {
    this(cluster, type, ListerWatcher.of(client, type), client.getKubernetesSerialization(), store, writer,
        keepSecretData, keepManagedFields, onEvent, clock, metrics);
  }

  /** A sync reading through {@code source} (a fake one in unit tests). */
  ResourceSync(String cluster, ResourceType type, ListerWatcher source, KubernetesSerialization serialization,
               MirrorStore store, ChangeWriter writer, boolean keepSecretData, boolean keepManagedFields,
               Runnable onEvent, Clock clock, MirrorMetrics metrics) {
    this.cluster = cluster;
    this.type = type;
    this.source = source;
    this.store = store;
    this.writer = writer;
    this.serialization = serialization;
    this.shaper = new ObjectShaper(cluster, type, keepSecretData, keepManagedFields);
    this.onEvent = onEvent;
    this.clock = clock;
    this.metrics = metrics;
  }

  ResourceType type() {
    return type;
  }

  void start() {
    thread = Thread.ofVirtual().name("sync-" + cluster + "-" + type.qualifiedResource()).start(this::run);
  }

  /** Stops watching; changes already queued are still written. */
  void stop() {
    stopped = true;
    Watch w = watch;
    if (w != null) {
      w.close();
    }
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** 410 Gone, or "too old resource version": the only reason to re-list at once. */
  static boolean isGone(Throwable e) {
    if (e instanceof WatcherException we) {
      return we.isHttpGone();
    }
    return e instanceof KubernetesClientException ke && ke.getCode() == 410;
  }

  /** Why the sync lists (again); null while it only watches. */
  private enum Relist {
    /** The first list, reconciled with the rows seeded from the database. */
    FIRST,
    /** 410 Gone: the watch's or a list page's resourceVersion was compacted away. */
    AFTER_GONE,
    /** The list itself failed (apiserver down, 429, 5xx); listed again after the backoff. */
    AFTER_ERROR
  }

  /**
   * List, then watch from the list's resourceVersion; when a watch ends for any reason but 410 Gone, watch again
   * from the last resourceVersion seen (a normal end every 5 to 10 minutes, the timeoutSeconds it asks for, or a
   * fault), never re-listing; 410 re-lists. Every restart waits the backoff, which resets only after a watch stayed healthy (see {@link Backoff}),
   * so an apiserver that accepts watches and closes them at once is asked less and less often.
   */
  private void run() {
    Backoff backoff = new Backoff(clock);
    try {
      seedIndex(backoff);
      Relist relist = Relist.FIRST;
      while (!stopped) {
        try {
          if (relist != null) {
            status(SyncState.SYNCING, null);
            listAndReconcile();
            metrics.listed(relist == Relist.FIRST, relist == Relist.AFTER_GONE);
            relist = null;
            status(SyncState.SYNCED, null);
          }
          WatcherException closed = watchUntilClosed(backoff);
          if (stopped) {
            return;
          }
          long wait = backoff.next();
          if (closed != null && isGone(closed)) {
            log.info("{} {}: watch expired (410 Gone), re-listing in {} ms", cluster, type, wait);
            relist = Relist.AFTER_GONE;
          } else {
            log.info("{} {}: watch closed ({}), watching again from {} in {} ms", cluster, type,
                closed == null ? "no cause" : FailureSummary.of(closed), lastResourceVersion, wait);
          }
          Thread.sleep(wait);
        } catch (KubernetesClientException e) {
          if (stopped) {
            return;
          }
          long wait = backoff.next(retryAfter(e));
          if (isGone(e)) {
            // A list page's continue token, or the resourceVersion a watch started from, expired.
            log.info("{} {}: 410 Gone, listing again in {} ms", cluster, type, wait);
            relist = Relist.AFTER_GONE;
          } else {
            if (relist != null) {
              relist = Relist.AFTER_ERROR;
            }
            String why = FailureSummary.of(e);
            log.warn("{} {}: {}, {} again in {} ms", cluster, type, why, relist != null ? "listing" : "watching",
                wait);
            status(SyncState.ERROR, why);
          }
          Thread.sleep(wait);
        }
      }
    } catch (InterruptedException e) {
      // stop() interrupts; nothing else does.
    } catch (RuntimeException e) {
      log.error("{} {}: sync thread failed", cluster, type, e);
    } finally {
      Watch w = watch;
      if (w != null) {
        w.close();
      }
    }
  }

  /**
   * What a 429 or 503 asked for (the apiserver puts Retry-After into the Status details too); zero otherwise.
   * fabric8 has already retried the request twice, honouring the header, before this is seen.
   */
  static Duration retryAfter(KubernetesClientException e) {
    Integer seconds = e.getStatus() == null || e.getStatus().getDetails() == null ? null
        : e.getStatus().getDetails().getRetryAfterSeconds();
    return seconds == null || seconds <= 0 ? Duration.ZERO : Duration.ofSeconds(seconds);
  }

  /** Watches from {@link #lastResourceVersion} until the watch closes; returns the close cause (null if none). */
  private WatcherException watchUntilClosed(Backoff backoff) throws InterruptedException {
    InboxWatcher current = new InboxWatcher();
    watch = source.watch(new ListOptionsBuilder().withResourceVersion(lastResourceVersion)
        .withAllowWatchBookmarks(true).build(), current);
    backoff.started();
    try {
      return consumeWatch(current);
    } finally {
      backoff.ended();
      current.abandon(); // nothing it still hands over is wanted, and its close must not wait for this thread
      watch.close();
    }
  }

  private void seedIndex(Backoff backoff) throws InterruptedException {
    while (!stopped) {
      try {
        index.putAll(store.resourceVersions(cluster, type));
        return;
      } catch (RuntimeException e) {
        long wait = backoff.next();
        log.warn("{} {}: reading stored versions failed, retrying in {} ms: {}", cluster, type, wait, e.getMessage());
        Thread.sleep(wait);
      }
    }
  }

  /**
   * Lists every object page by page (a consistent snapshot: no resourceVersion, so the first page is read from
   * etcd and continue tokens pin it), queues a READ for each new or changed object, then a delete for every
   * stored object the list no longer has. The list's resourceVersion becomes {@link #lastResourceVersion}, where the
   * watch starts.
   */
  private void listAndReconcile() throws InterruptedException {
    Set<String> seen = new HashSet<>();
    // One page in flight: the next page is asked for as soon as its continue token has been read, and arrives
    // while this one is read and queued. At most two pages are held, this one and the next, as bytes.
    PageRequest[] next = {new PageRequest(null)};
    ListPage.Meta meta;
    do {
      byte[] page = next[0].await();
      next[0] = null;
      try {
        meta = ListPage.read(page, shaper, (key, rv) -> {
          seen.add(key);
          return rv.equals(index.get(key));
        }, new ListPage.Reader() {
          @Override
          public void meta(ListPage.Meta m) {
            if (!m.last() && next[0] == null) {
              next[0] = new PageRequest(m.continueToken());
            }
          }

          @Override
          public void item(ObjectShaper.Shaped o) throws InterruptedException {
            index.put(o.key(), o.resourceVersion());
            writer.submit(shaper.upsert(o, Change.Op.READ));
            changed();
          }
        });
      } catch (InterruptedException | RuntimeException e) {
        if (next[0] != null) {
          next[0].cancel();
        }
        throw e;
      }
    } while (!meta.last());
    // Deleted while we were not watching: the final state is unknown, the store's row is the last known one.
    for (Iterator<Map.Entry<String, String>> it = index.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, String> e = it.next();
      if (!seen.contains(e.getKey())) {
        int slash = e.getKey().indexOf('/');
        writer.submit(new Change.Delete(cluster, type, e.getKey().substring(0, slash),
            e.getKey().substring(slash + 1), null, null, null));
        it.remove();
        changed();
      }
    }
    lastResourceVersion = meta.resourceVersion();
  }

  /** One LIST page asked for on a virtual thread of its own; {@link #await} gives it, or its failure, to the sync. */
  private final class PageRequest {
    private final FutureTask<byte[]> task;

    PageRequest(String cont) {
      ListOptions options = new ListOptionsBuilder().withLimit(PAGE_SIZE).withContinue(cont).build();
      task = new FutureTask<>(() -> source.list(options));
      Thread.ofVirtual().name("list-" + cluster + "-" + type.qualifiedResource()).start(task);
    }

    /** The page; a failed request throws as the list call itself would (e.g. 410 Gone for an expired token). */
    byte[] await() throws InterruptedException {
      try {
        return task.get();
      } catch (InterruptedException e) {
        cancel();
        throw e;
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        if (e.getCause() instanceof Error err) {
          throw err;
        }
        throw new IllegalStateException(e.getCause());
      }
    }

    void cancel() {
      task.cancel(true);
    }
  }

  /**
   * Applies watch events until the watch closes or sends an ERROR event; returns the close cause (null if closed
   * without one). Signals of an earlier watch are left aside.
   */
  private WatcherException consumeWatch(InboxWatcher current) throws InterruptedException {
    while (!stopped) {
      Signal s = inbox.take();
      if (s.from() != current) {
        continue;
      }
      switch (s) {
        case Signal.Closed c -> {
          return c.cause();
        }
        case Signal.Event e -> {
          WatcherException error = apply(e.json());
          if (error != null) {
            return error;
          }
        }
      }
    }
    return null;
  }

  /** A watch event's object was read through the shaper, or skipped as already known; read by {@link #apply}. */
  private String knownVersion;
  private String eventVersion;

  /**
   * Applies one watch event, read in one pass: its type, then its object through the shaper, which stops after
   * the metadata when the event changes nothing. Returns the cause when the event is an ERROR (the apiserver ends
   * the watch after one; 410 means re-list).
   */
  private WatcherException apply(byte[] json) throws InterruptedException {
    String action;
    ObjectShaper.Shaped o;
    try (JsonParser p = ObjectShaper.JSON.getFactory().createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME
          || !p.currentName().equals("type") || p.nextToken() != JsonToken.VALUE_STRING) {
        return new WatcherException("a watch event that does not start with its type");
      }
      action = p.getText();
      if (p.nextToken() != JsonToken.FIELD_NAME || !p.currentName().equals("object")
          || p.nextToken() != JsonToken.START_OBJECT) {
        return new WatcherException("a " + action + " watch event without an object");
      }
      switch (action) {
        case "BOOKMARK" -> {
          JsonNode bookmark = ObjectShaper.JSON.readTree(p);
          String rv = bookmark.path("metadata").path("resourceVersion").asText();
          if (!rv.isEmpty()) {
            lastResourceVersion = rv;
          }
          maybeStatus();
          return null;
        }
        case "ERROR" -> {
          Status status = serialization.unmarshal(ObjectShaper.JSON.readTree(p).toString(), Status.class);
          if (status == null) {
            status = new Status();
          }
          if (status.getCode() == null) {
            status.setCode(500); // not a Status the apiserver sends; fabric8 needs a code
          }
          return new WatcherException("the watch ended with an error (code " + status.getCode() + ")",
              new KubernetesClientException(status));
        }
        case "ADDED", "MODIFIED" -> o = shaper.read(p, (key, rv) -> {
          eventVersion = rv;
          knownVersion = index.get(key);
          return rv.equals(knownVersion);
        });
        case "DELETED" -> o = shaper.read(p, (key, rv) -> {
          eventVersion = rv;
          knownVersion = index.get(key);
          return knownVersion == null;
        });
        default -> {
          return new WatcherException("an unknown watch event type");
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not the parser's message: it quotes the input, which may be a Secret's. The watch starts again from
      // before this event, so it is not lost: read again, or listed after a 410.
      return new WatcherException("an unreadable watch event");
    }
    // Only now: an event that fails half-way through must not move the version the next watch starts from.
    lastResourceVersion = eventVersion;
    if (o == null) {
      return null; // a repeat of what is stored, or the delete of what is not
    }
    if (action.equals("DELETED")) {
      index.remove(o.key());
      writer.submit(shaper.delete(o));
    } else {
      index.put(o.key(), o.resourceVersion());
      writer.submit(shaper.upsert(o, knownVersion == null ? Change.Op.CREATE : Change.Op.UPDATE));
    }
    lastEventMs = clock.millis();
    metrics.watchEvent();
    changed();
    maybeStatus();
    return null;
  }

  /**
   * Tells the cluster an object of this resource changed. Also for what a list finds new or gone: a CRD created
   * while the first discovery ran arrives in the list, not as a watch event, and must start a discovery too.
   */
  private void changed() {
    if (onEvent != null) {
      onEvent.run();
    }
  }

  private void maybeStatus() throws InterruptedException {
    if (clock.millis() - lastStatusMs >= STATUS_INTERVAL_MS) {
      status(SyncState.SYNCED, null);
    }
  }

  private void status(SyncState state, String error) throws InterruptedException {
    lastStatusMs = clock.millis();
    writer.submit(new Change.Status(cluster, type, state, index.size(), lastResourceVersion, lastEventMs, error));
  }

  /** Runs on fabric8's HTTP threads: only hands over, blocking when the sync thread is behind. */
  private final class InboxWatcher implements ListerWatcher.WatchEvents {
    private volatile boolean abandoned;

    /** The sync no longer reads this watch's signals: they are dropped instead of waiting for room. */
    void abandon() {
      abandoned = true;
    }

    @Override
    public void event(byte[] json) {
      put(new Signal.Event(this, json));
    }

    @Override
    public void closed(WatcherException cause) {
      put(new Signal.Closed(this, cause));
    }

    private void put(Signal s) {
      try {
        while (!stopped && !abandoned && !inbox.offer(s, 1, java.util.concurrent.TimeUnit.SECONDS)) {
          // the sync thread is behind (the writer applies back-pressure); keep waiting unless stopped
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
