package io.kubebackend.mirror;

import io.kubebackend.retry.Backoff;
import io.kubebackend.store.Change;
import io.kubebackend.store.MirrorStore;
import io.kubebackend.store.StoreException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer between the watches and the database. Syncs {@link #submit} changes into a bounded queue
 * (blocking when it is full: back-pressure reaches the watch connections); one thread drains it in batches of up
 * to {@code maxBatch} changes per transaction. A change waits for no timer: under light load a batch of one is
 * written as soon as it arrives, under heavy load batches grow by themselves.
 *
 * <p>One writer keeps the outbox sequence in commit order and the changes of one object in order. A failed batch
 * is retried with backoff until it succeeds; a change is left out only when the database refuses its content
 * (see {@link #write}).
 */
public final class ChangeWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeWriter.class);

  private final MirrorStore store;
  private final BlockingQueue<Change> queue;
  private final int maxBatch;
  private final Thread thread;
  private final AtomicLong submitted = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final Timer batchTimer;
  private final Counter rejected;
  private final Counter failures;
  private final List<Runnable> commitListeners = new CopyOnWriteArrayList<>();
  private volatile boolean running = true;

  public ChangeWriter(MirrorStore store, int queueCapacity, int maxBatch, MeterRegistry metrics) {
    this.store = store;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.maxBatch = maxBatch;
    this.batchTimer = Timer.builder("kb.mirror.write.batch").description("one store transaction")
        .publishPercentiles(0.5, 0.99).register(metrics);
    metrics.gauge("kb.mirror.write.queue", queue, BlockingQueue::size);
    this.rejected = Counter.builder("kb.mirror.write.rejected")
        .description("changes the database refused for good (logged with their keys)").register(metrics);
    this.failures = Counter.builder("kb.mirror.write.failures")
        .description("store transactions that failed (then retried, or split to find a refused change)").register(metrics);
    metrics.more().counter("kb.mirror.write.changes", List.of(), written);
    this.thread = Thread.ofPlatform().name("mirror-writer").start(this::run);
  }

  /** Queues a change, blocking while the queue is full. */
  public void submit(Change change) throws InterruptedException {
    submitted.incrementAndGet();
    queue.put(change);
  }

  /**
   * Runs {@code listener} on the writer thread after every committed batch (e.g. to wake outbox readers at once
   * instead of at their next poll). It must return quickly: the next batch waits for it.
   */
  public void onCommit(Runnable listener) {
    commitListeners.add(listener);
  }

  /** Changes written so far. */
  public long written() {
    return written.get();
  }

  /** Waits until every change submitted before this call has been written, or the timeout passes. */
  public boolean awaitWritten(long timeoutMs) throws InterruptedException {
    long target = submitted.get();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (written.get() < target) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  private void run() {
    List<Change> batch = new ArrayList<>(maxBatch);
    Backoff backoff = new Backoff();
    while (running || !queue.isEmpty()) {
      try {
        Change first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, maxBatch - 1);
        write(batch, backoff);
        batch.clear();
        notifyCommitted();
      } catch (InterruptedException e) {
        if (!running) {
          // close() gave up waiting: whatever is still queued is re-listed on the next start.
          return;
        }
      }
    }
  }

  private void notifyCommitted() {
    for (Runnable listener : commitListeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.warn("commit listener failed: {}", e.toString());
      }
    }
  }

  /**
   * Writes one batch, retrying with backoff until it is written. Only a failure that says the database refused
   * the content ({@link StoreException#refusedContent}: a constraint, a value it cannot hold) is never cured by
   * retrying, and it would stall every cluster behind it; the batch is then written change by change and only the
   * refused changes are left out, each logged with its key and counted in {@code kb.mirror.write.rejected}.
   * Everything else (a lost connection, a busy database, an unknown failure) is retried: when unsure, retry.
   */
  private void write(List<Change> batch, Backoff backoff) throws InterruptedException {
    while (true) {
      try {
        long t0 = System.nanoTime();
        store.apply(batch);
        batchTimer.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        written.addAndGet(batch.size());
        backoff.reset();
        return;
      } catch (StoreException e) {
        failures.increment();
        if (e.refusedContent()) {
          if (batch.size() > 1) {
            for (Change one : batch) {
              write(List.of(one), backoff);
            }
          } else {
            rejected.increment();
            written.incrementAndGet();
            log.error("the database refused a change, left out: {}: {}", describe(batch.getFirst()), e.getMessage());
          }
          return;
        }
        long wait = backoff.next();
        if (e.kind() == StoreException.Kind.FATAL) {
          log.error("writing {} changes failed (a bug or a schema mismatch?), retrying in {} ms", batch.size(), wait, e);
        } else {
          log.warn("writing {} changes failed, retrying in {} ms: {}", batch.size(), wait, e.getMessage());
        }
        Thread.sleep(wait);
      } catch (RuntimeException e) {
        failures.increment();
        long wait = backoff.next();
        log.error("writing {} changes failed, retrying in {} ms", batch.size(), wait, e);
        Thread.sleep(wait);
      }
    }
  }

  /** Names a change by its key only: object content may be secret. */
  private static String describe(Change c) {
    return switch (c) {
      case Change.Upsert u -> u.op().code + " " + u.key().path() + "@" + u.resourceVersion();
      case Change.Delete d -> "d " + d.key().path();
      case Change.Status s -> "status " + s.cluster() + "/" + s.type();
      case Change.RemoveResource r -> "remove " + r.cluster() + "/" + r.group() + "/" + r.resource();
      case Change.RemoveCluster r -> "remove cluster " + r.cluster();
    };
  }

  /** Stops after writing what is queued (waiting at most 30 s). */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      thread.interrupt();
    }
  }
}
