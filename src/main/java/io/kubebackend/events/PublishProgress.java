package io.kubebackend.events;

/**
 * The commit contract of a publisher: how far the outbox has been delivered to one destination. Everything at or
 * below {@link #position()} has been acknowledged; a restarted publisher resumes after it, so events published
 * after the last mark are published again (at-least-once, the same seq each time).
 */
public interface PublishProgress {

  /** The highest seq up to which every event is acknowledged by the destination; 0 before the first mark. */
  long position();

  /** Records that every event up to {@code seq} is acknowledged. Seqs only grow; a lower one is ignored. */
  void markPublished(long seq);
}
