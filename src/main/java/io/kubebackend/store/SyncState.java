package io.kubebackend.store;

/** Where the mirror of one cluster resource stands. */
public enum SyncState {
  /** Listing (initial or after 410 Gone); the rows may still lag the cluster. */
  SYNCING,
  /** Listed and watching; rows follow the cluster within the write latency. */
  SYNCED,
  /** The last list or watch failed; retrying with backoff. {@code last_error} says why. */
  ERROR;

  public String dbValue() {
    return name().toLowerCase();
  }

  public static SyncState ofDb(String v) {
    return valueOf(v.toUpperCase());
  }
}
