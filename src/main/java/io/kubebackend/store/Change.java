package io.kubebackend.store;

import io.kubebackend.cluster.ResourceType;
import java.util.List;

/**
 * One write the mirror asks of the store. A closed set: every change to the mirrored state is one of these,
 * and each object change also appends one outbox event in the same transaction.
 */
public sealed interface Change {
  /** The cluster the change belongs to. */
  String cluster();

  /** Event operation codes, Debezium-like. */
  enum Op {
    CREATE("c"), UPDATE("u"), DELETE("d"), READ("r");
    public final String code;

    Op(String code) {
      this.code = code;
    }

    public static Op ofCode(String code) {
      for (Op op : values()) {
        if (op.code.equals(code)) {
          return op;
        }
      }
      throw new IllegalArgumentException("unknown op " + code);
    }
  }

  /** Insert or replace an object row. {@code op} is CREATE/UPDATE from a watch, READ from a (re)list. */
  record Upsert(String cluster, ResourceType type, String namespace, String name, String uid,
                String resourceVersion, String labelsJson, List<String> ownerUids, Long createdMs,
                String objectJson, Op op) implements Change {
    public ObjectKey key() {
      return new ObjectKey(cluster, type.group(), type.resource(), namespace, name);
    }
  }

  /**
   * Delete an object row. {@code lastObjectJson} is the final state from a watch DELETED event, or null when the
   * object vanished while we were not watching (client-go's DeletedFinalStateUnknown): then the stored row is the
   * last known state.
   */
  record Delete(String cluster, ResourceType type, String namespace, String name, String uid,
                String resourceVersion, String lastObjectJson) implements Change {
    public ObjectKey key() {
      return new ObjectKey(cluster, type.group(), type.resource(), namespace, name);
    }
  }

  /** Sync status of one cluster resource. */
  record Status(String cluster, ResourceType type, SyncState state, long objectCount, String lastResourceVersion,
                Long lastEventMs, String lastError) implements Change {}

  /** Delete every row of one resource of a cluster (a CRD went away), with a delete event for each. */
  record RemoveResource(String cluster, String group, String resource) implements Change {}

  /** Delete every row of a cluster (it was unregistered), with a delete event for each. */
  record RemoveCluster(String cluster) implements Change {}
}
