package io.kubebackend.store;

import java.util.OptionalLong;

/**
 * Which clusters this replica may write, and at which lease epoch, when several replicas share one database (see
 * {@link Leases}). The store checks it inside each write transaction: a change of a cluster this replica does not
 * hold, or holds at an epoch the database no longer has, is not written.
 */
public interface MirrorFence {
  /** This replica's id: the owner named in the lease rows. */
  String owner();

  /** The epoch at which this replica holds the cluster's lease, or empty if it does not hold it. */
  OptionalLong epoch(String clusterId);

  /**
   * The database has a newer epoch for the cluster than {@code epoch}: another replica took it over. Called on the
   * writer's thread after the transaction; it must return quickly.
   */
  void fenced(String clusterId, long epoch);
}
