package io.kubebackend.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The mirrored state: objects, their outbox events and sync status. Implementations are thread-safe. */
public interface MirrorStore {

  /**
   * Applies the changes in order, in one transaction: object rows, one outbox event per object change, sync status.
   * Throws {@link StoreException}; on failure nothing of the batch is applied.
   */
  void apply(List<Change> changes);

  /** {@code namespace/name -> resourceVersion} of every stored object of one cluster resource. */
  Map<String, String> resourceVersions(String cluster, String group, String resource);

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
