package io.kubebackend.events;

import io.kubebackend.retry.Backoff;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reader of the outbox for every live stream (Kubernetes watches, Server-Sent Events): a thread reads the
 * events after each commit signal, once, and hands each batch to every subscriber's bounded queue. However many
 * watchers there are, the outbox is read once per commit.
 *
 * <p>A subscriber that starts behind the reader (a watch resuming from an older resourceVersion) first reads the
 * missing events itself, in bounded batches, then switches to the shared batches; events it already delivered are
 * skipped by seq, so the switch neither loses nor repeats one. A subscriber whose queue overflows (it reads
 * slower than changes come) is ended: its client resumes from the last seq it received, as a watch does after any
 * disconnect. Memory holds at most {@link #QUEUE_BATCHES} batches per subscriber, shared between subscribers.
 */
public final class OutboxFanout implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutboxFanout.class);
  static final int BATCH = 500;
  /** Batches a subscriber may have waiting; past that it is ended (see the class comment). */
  static final int QUEUE_BATCHES = 256;
  /** Fallback poll when no commit signal arrives. */
  static final long IDLE_POLL_MS = 500;

  private final OutboxReader reader;
  private final OutboxSignal signal;
  private final List<Subscription> subscribers = new CopyOnWriteArrayList<>();
  private volatile long position = -1;
  private volatile boolean running = true;
  private Thread thread;
  /** Outbox reads by the shared reader, and by subscribers catching up: the database load of every stream. */
  private final LongAdder sharedReads = new LongAdder();
  private final LongAdder catchUpReads = new LongAdder();

  public OutboxFanout(OutboxReader reader, OutboxSignal signal) {
    this.reader = reader;
    this.signal = signal;
  }

  public OutboxFanout start() {
    thread = Thread.ofPlatform().name("outbox-fanout").daemon().start(this::run);
    return this;
  }

  /** What a subscription hands its reader: the next events, or why it ended. */
  public sealed interface Delivery {
    /** Events after the last delivery, in seq order; {@code head} is the outbox head they were read at. */
    record Events(List<ChangeEvent> events, long head) implements Delivery {}

    /** Events the subscriber needs were pruned: it must re-read the state (HTTP 410). */
    record Pruned(long prunedThrough) implements Delivery {}

    /** The subscriber fell too far behind, or the fanout stopped: resume after {@code lastSeq}. */
    record Ended(long lastSeq) implements Delivery {}
  }

  /** A stream of the events after a seq. Used by one thread. */
  public final class Subscription implements AutoCloseable {
    private final BlockingQueue<OutboxReader.Batch> live = new ArrayBlockingQueue<>(QUEUE_BATCHES);
    private volatile boolean overflowed;
    private long lastSeq;
    /** Until the subscriber has read up to the shared reader's position, it reads the outbox itself. */
    private boolean catchingUp = true;

    private Subscription(long afterSeq) {
      this.lastSeq = afterSeq;
    }

    /** The seq of the last event delivered (or the start). */
    public long lastSeq() {
      return lastSeq;
    }

    /** The next events, waiting at most {@code timeoutMs}; an empty list when none came. */
    public Delivery next(long timeoutMs) throws InterruptedException {
      if (overflowed || !running) {
        return new Delivery.Ended(lastSeq);
      }
      if (catchingUp) {
        // The target moves with the shared reader: whatever it handed out before this subscriber was in its list,
        // and whatever it handed out while the list was being read, lies at or below its position.
        if (lastSeq >= position) {
          catchingUp = false;
        } else {
          OutboxReader.Batch b = reader.readAfter(lastSeq, BATCH, OutboxReader.Filter.ALL);
          catchUpReads.increment();
          if (b.gapAfter(lastSeq)) {
            return new Delivery.Pruned(b.prunedThrough());
          }
          lastSeq = Math.max(b.events().isEmpty() ? lastSeq : b.events().getLast().seq(),
              b.full() ? lastSeq : b.nextAfter());
          return new Delivery.Events(b.events(), b.head());
        }
      }
      OutboxReader.Batch b = live.poll(timeoutMs, TimeUnit.MILLISECONDS);
      if (b == null) {
        return overflowed || !running ? new Delivery.Ended(lastSeq) : new Delivery.Events(List.of(), -1);
      }
      List<ChangeEvent> out = new ArrayList<>();
      for (ChangeEvent e : b.events()) {
        if (e.seq() > lastSeq) {
          out.add(e);
        }
      }
      if (!out.isEmpty()) {
        lastSeq = out.getLast().seq();
      }
      lastSeq = Math.max(lastSeq, b.nextAfter());
      return new Delivery.Events(out, b.head());
    }

    private void offer(OutboxReader.Batch b) {
      if (!live.offer(b)) {
        overflowed = true;
        live.clear();
      }
    }

    @Override
    public void close() {
      subscribers.remove(this);
    }
  }

  /**
   * Subscribes to every event after {@code afterSeq}. Throws {@link IllegalStateException} before the reader
   * has its first position (at start-up, for a moment).
   */
  public Subscription subscribe(long afterSeq) {
    awaitPosition();
    Subscription s = new Subscription(afterSeq);
    synchronized (subscribers) {
      subscribers.add(s);
    }
    return s;
  }

  /**
   * With nobody subscribed there is nobody to hand events to: the reader moves to the outbox head (one short
   * query) instead of reading every event after each commit. Under the subscribers' lock, so a subscriber added
   * meanwhile is either seen (and then read for) or added after the move, and then catches up to it by itself.
   * Returns false when a subscriber was there after all.
   */
  private boolean skipToHead() {
    long head = reader.head();
    synchronized (subscribers) {
      if (!subscribers.isEmpty()) {
        return false;
      }
      position = Math.max(position, head);
      return true;
    }
  }

  /** Where the shared reader stands: every event up to it has been handed to the subscribers. */
  public long position() {
    return awaitPosition();
  }

  private long awaitPosition() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (position < 0) {
      if (System.nanoTime() > deadline || !running) {
        throw new IllegalStateException("the outbox reader has not started");
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    return position;
  }

  public int subscribers() {
    return subscribers.size();
  }

  /** Reads of the outbox by the shared reader, however many subscribers there are. */
  public long sharedReads() {
    return sharedReads.sum();
  }

  /** Reads of the outbox by subscribers that started behind the shared reader. */
  public long catchUpReads() {
    return catchUpReads.sum();
  }

  private void run() {
    Backoff backoff = new Backoff();
    while (running) {
      try {
        if (position < 0) {
          position = reader.head();
        }
        long generation = signal.generation();
        if (subscribers.isEmpty() && skipToHead()) {
          signal.awaitAfter(generation, IDLE_POLL_MS);
          continue;
        }
        OutboxReader.Batch b = reader.readAfter(position, BATCH, OutboxReader.Filter.ALL);
        sharedReads.increment();
        if (!b.events().isEmpty() || b.nextAfter() > position) {
          for (Subscription s : subscribers) {
            s.offer(b);
          }
          position = b.nextAfter();
        }
        backoff.reset();
        if (!b.full()) {
          signal.awaitAfter(generation, IDLE_POLL_MS);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        long wait = backoff.next();
        log.warn("reading the outbox for streams failed, retrying in {} ms: {}", wait, e.getMessage());
        try {
          Thread.sleep(wait);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  @Override
  public void close() {
    running = false;
    signal.signal();
    if (thread != null) {
      thread.interrupt();
    }
  }
}
