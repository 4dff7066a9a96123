package io.kubebackend.write;

import io.kubebackend.store.MirrorProgress;
import io.kubebackend.store.ObjectKey;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a write wait, bounded, until the mirror has stored its result, so that reads right after it (which come
 * from the database) already show it. Past the bound the write returns anyway: the apiserver has accepted it, and
 * the mirror will catch up.
 */
public final class ReadYourWrites {
  private static final Logger log = LoggerFactory.getLogger(ReadYourWrites.class);
  private static final long FIRST_POLL_MS = 5;
  private static final long MAX_POLL_MS = 100;

  private final MirrorProgress progress;
  private final Duration bound;

  public ReadYourWrites(MirrorProgress progress, Duration bound) {
    this.progress = progress;
    this.bound = bound;
  }

  /** Whether the mirror keeps the object's kind at all (else there is nothing to wait for). */
  public boolean mirrored(ObjectKey key) {
    return progress.mirrors(key.cluster(), key.group(), key.resource());
  }

  /** A position to take before the write and pass to the awaits. */
  public long mark() {
    return progress.mark();
  }

  /**
   * Waits until the object's state at {@code resourceVersion} is stored; returns its outbox seq, or 0 if the bound
   * passed first.
   */
  public long awaitStored(ObjectKey key, long mark, String resourceVersion) {
    long[] seq = new long[1];
    await(key, () -> (seq[0] = progress.storedSeq(key, mark, resourceVersion)) > 0);
    return seq[0];
  }

  /**
   * Waits until the deletion of the object with {@code uid} is stored ({@code keptVersion}: the resourceVersion
   * the apiserver returned when finalizers keep the object for now, else null); false if the bound passed first.
   */
  public boolean awaitDeleted(ObjectKey key, long mark, String uid, String keptVersion) {
    return await(key, () -> progress.deleted(key, mark, uid, keptVersion));
  }

  private boolean await(ObjectKey key, BooleanSupplier done) {
    long deadline = System.nanoTime() + bound.toNanos();
    long pause = FIRST_POLL_MS;
    while (true) {
      if (done.getAsBoolean()) {
        return true;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        log.warn("the mirror did not show the write to {} within {} ms; answering anyway", key.path(),
            bound.toMillis());
        return false;
      }
      try {
        Thread.sleep(Math.min(pause, Math.max(1, left / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      pause = Math.min(MAX_POLL_MS, pause * 2);
    }
  }
}
