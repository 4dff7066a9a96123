package io.kubebackend.store;

import io.kubebackend.cluster.ResourceType;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The mirrored state: objects, their outbox events and sync status. Implementations are thread-safe. */
public interface MirrorStore {

  /**
   * Applies the changes in order, in one transaction: object rows, one outbox event per object change, sync status.
   * Throws {@link StoreException}; on failure nothing of the batch is applied, with one exception: a commit whose
   * answer was lost with the connection may have happened. Applying the same changes again, as a retry does,
   * then writes them only if it did not, so a retried batch is never in the outbox twice.
   */
  void apply(List<Change> changes);

  /**
   * Stands for the resourceVersion of a row stored at another version than the one asked for. It equals no
   * resourceVersion (the apiserver never sends an empty one), so a sync that compares it with a listed object
   * rewrites the row at its own version.
   */
  String OTHER_VERSION = "";

  /**
   * {@code namespace/name -> resourceVersion} of every stored object of one cluster resource; rows stored at
   * another version than {@code type}'s (its preferred version changed since) map to {@link #OTHER_VERSION}.
   */
  Map<String, String> resourceVersions(String cluster, ResourceType type);

  Optional<StoredObject> get(ObjectKey key);

  /** {@code uid -> resourceVersion} of every stored object of a cluster (for comparing with the apiserver). */
  Map<String, String> uidVersions(String cluster);

  long count(String cluster);

  List<SyncStatusRow> syncStatus(String cluster);

  /** One stored row. {@code objectJson} is the object as mirrored (Secret data and managedFields removed by default). */
  record StoredObject(ObjectKey key, String version, String kind, String uid, String resourceVersion,
                      long syncedMs, String objectJson) {}

  record SyncStatusRow(String cluster, String group, String resource, String version, String kind,
                       boolean namespaced, SyncState state, long objectCount, String lastResourceVersion,
                       Long lastEventMs, String lastError, long updatedMs) {}
}
