package io.kubebackend.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.auth.Authorizer;
import io.kubebackend.auth.Caller;
import io.kubebackend.auth.Grant;
import io.kubebackend.events.ChangeEvent;
import io.kubebackend.store.Change;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class EventVisibilityTest {
  private final Authorizer authorizer = new Authorizer();

  private static ChangeEvent event(String cluster, String group, String kind, String namespace) {
    return new ChangeEvent(1, Change.Op.UPDATE, 0, cluster, group, "v1", kind, kind.toLowerCase() + "s", namespace,
        "x", "uid", "1", "{}");
  }

  @Test
  void aRoleSeesOnlyTheEventsOfObjectsItMayRead() {
    Caller viewer = new Caller("ann", "shop-viewer", List.of(new Grant("prod", "shop", "ConfigMap", true, false),
        new Grant("prod", Grant.ANY, "apps.Deployment", true, false)), "h");
    Predicate<ChangeEvent> visible = EventVisibility.of(viewer, authorizer);
    assertTrue(visible.test(event("prod", "", "ConfigMap", "shop")));
    assertFalse(visible.test(event("prod", "", "ConfigMap", "bank")), "another namespace");
    assertFalse(visible.test(event("dev", "", "ConfigMap", "shop")), "another cluster");
    assertFalse(visible.test(event("prod", "", "Secret", "shop")), "another kind");
    assertTrue(visible.test(event("prod", "apps", "Deployment", "bank")), "group kinds are group.Kind");
    assertFalse(visible.test(event("prod", "", "Namespace", "")), "cluster-scoped objects need their own grant");
  }

  @Test
  void writeOnlyGrantsShowNothingAdminsEverythingAnonymousNothing() {
    Caller writer = new Caller("bob", "writer", List.of(new Grant(Grant.ANY, Grant.ANY, Grant.ANY, false, true)), "h");
    assertFalse(EventVisibility.of(writer, authorizer).test(event("prod", "", "ConfigMap", "shop")));
    Caller admin = new Caller("root", Caller.ADMIN_ROLE, List.of(), "h");
    assertTrue(EventVisibility.of(admin, authorizer).test(event("prod", "", "Secret", "kube-system")));
    assertFalse(EventVisibility.of(null, authorizer).test(event("prod", "", "ConfigMap", "shop")));
  }
}
