package io.kubebackend.query;

import java.io.IOException;

/**
 * Receives one page of a query as the rows are read, all from one database snapshot: {@link #start} once (with the
 * total, when the query asked for it), {@link #item} per object in order, then {@link #end}.
 */
public interface PageSink {
  /**
   * @param total every object the filter matches within the scope, or null when not asked for
   * @param head  the outbox seq the snapshot stands at: every change up to it is in the page, none after it (the
   *              list's resourceVersion in the Kubernetes API)
   */
  void start(Long total, long head) throws IOException;

  /** One object: its cluster, the outbox seq of its last change, and its JSON as stored. */
  void item(String cluster, long seq, String objectJson) throws IOException;

  /** @param continueToken where the next page starts, or null when this page is the last */
  void end(String continueToken) throws IOException;
}
