package io.kubebackend.api.kube;

import io.kubebackend.store.Change;
import io.kubebackend.events.ChangeEvent;
import java.util.HashSet;
import java.util.Set;

/**
 * The objects a watch with a label or field selector has told its client are in the selection, so that a change
 * moving an object in is sent as ADDED and one moving it out as DELETED, as the apiserver does. The outbox keeps
 * only the state after each change, so the watch remembers the keys (cluster/namespace/name) it sent: memory in
 * proportion to the objects selected, and only for watches with a selector.
 *
 * <p>A watch resumed from a resourceVersion cannot know what its client holds. It starts with the keys selected
 * in a snapshot taken at its start, and while it replays the changes up to that snapshot a change that is out of
 * the selection is sent as DELETED even for a key it never sent: a client deleting what it does not have does
 * nothing, while a missed DELETED would leave a stale object in its cache for good.
 */
final class SelectionMembers {
  private final Set<String> keys = new HashSet<>();
  private long replayThrough = -1;

  static String key(String cluster, String namespace, String name) {
    return cluster + '/' + namespace + '/' + name;
  }

  void add(String key) {
    keys.add(key);
  }

  /** Changes up to this seq are a replay for a client whose state is unknown. */
  void replayThrough(long seq) {
    replayThrough = seq;
  }

  int size() {
    return keys.size();
  }

  /** The watch event type to send for this change, or null when the client does not need it. */
  String transition(ChangeEvent e, boolean selected) {
    boolean replay = e.seq() <= replayThrough;
    String key = key(e.cluster(), e.namespace(), e.name());
    if (e.op() == Change.Op.DELETE) {
      boolean had = keys.remove(key);
      return had || selected || replay ? "DELETED" : null;
    }
    if (selected) {
      boolean had = !keys.add(key);
      return had || (replay && e.op() == Change.Op.UPDATE) ? "MODIFIED" : "ADDED";
    }
    boolean had = keys.remove(key);
    return had || replay ? "DELETED" : null;
  }
}
