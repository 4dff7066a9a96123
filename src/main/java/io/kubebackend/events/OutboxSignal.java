package io.kubebackend.events;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes outbox readers (the Kafka publisher, stream clients) when the mirror commits, so an event is read
 * milliseconds after its commit instead of at the next poll. Readers still poll on a timeout: a missed signal
 * only delays, never loses, an event.
 *
 * <p>A generation counter rather than a flag: a reader takes the generation before it reads the outbox and
 * waits only if nothing was committed since, so a commit between its read and its wait is never slept through.
 * A lock and condition (not {@code synchronized}) so virtual threads waiting here do not pin their carrier.
 */
public final class OutboxSignal {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition committed = lock.newCondition();
  private long generation;

  /** Called after each commit that may have appended events. Cheap; never blocks for long. */
  public void signal() {
    lock.lock();
    try {
      generation++;
      committed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  public long generation() {
    lock.lock();
    try {
      return generation;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until a commit after generation {@code seen}, or the timeout. True if there was one. */
  public boolean awaitAfter(long seen, long timeoutMs) throws InterruptedException {
    long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    lock.lock();
    try {
      while (generation == seen) {
        if (nanos <= 0) {
          return false;
        }
        nanos = committed.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }
}
