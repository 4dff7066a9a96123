package io.kubebackend.api;

import io.kubebackend.auth.Authorizer;
import io.kubebackend.auth.Caller;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.events.ChangeEvent;
import java.util.function.Predicate;

/**
 * Which change events a caller may receive: those of objects its role lets it read (cluster, namespace and kind,
 * as for reading the object itself; "" is the namespace of cluster-scoped objects).
 */
public final class EventVisibility {
  private EventVisibility() {}

  public static Predicate<ChangeEvent> of(Caller caller, Authorizer authorizer) {
    if (caller == null) {
      return e -> false;
    }
    if (caller.admin()) {
      return e -> true;
    }
    return e -> authorizer.allows(caller, Authorizer.Access.READ, e.cluster(), e.namespace(),
        ResourceType.fullKind(e.group(), e.kind()));
  }
}
