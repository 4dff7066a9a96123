package io.kubebackend.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.auth.Authorizer.Access;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthorizerTest {
  private final Authorizer authorizer = new Authorizer();
  private final Caller admin = new Caller("root", "admin", List.of(), "h");
  private final Caller dev = new Caller("dev", "dev", List.of(
      new Grant("c1", "team-a", "*", true, true),
      new Grant("c1", "team-b", "Pod", true, false),
      new Grant("*", "*", "apps.Deployment", true, false),
      new Grant("c2", "", "Namespace", true, false)), "h");

  @Test
  void adminMayDoEverything() {
    assertTrue(authorizer.allows(admin, Access.WRITE, "any", "ns", "Pod"));
    authorizer.requireReadSomewhere(admin, "c1", "Pod");
    authorizer.requireAdmin(admin);
  }

  @Test
  void grantsMatchClusterNamespaceAndKind() {
    assertTrue(authorizer.allows(dev, Access.WRITE, "c1", "team-a", "apps.Deployment"));
    assertTrue(authorizer.allows(dev, Access.READ, "c1", "team-b", "Pod"));
    assertFalse(authorizer.allows(dev, Access.WRITE, "c1", "team-b", "Pod"));
    assertFalse(authorizer.allows(dev, Access.READ, "c1", "team-b", "ConfigMap"));
    assertFalse(authorizer.allows(dev, Access.READ, "c2", "team-a", "Pod"));
    assertTrue(authorizer.allows(dev, Access.READ, "c2", "", "Namespace"));
    assertFalse(authorizer.allows(dev, Access.READ, "c2", "x", "Namespace"));
    AuthException e = assertThrows(AuthException.class,
        () -> authorizer.require(dev, Access.WRITE, "c1", "team-b", "Pod"));
    assertEquals(403, e.status());
    assertThrows(AuthException.class, () -> authorizer.requireAdmin(dev));
  }

  @Test
  void aListNeedsAReadGrantForTheKindSomewhereInTheCluster() {
    authorizer.requireReadSomewhere(dev, "c9", "apps.Deployment");
    authorizer.requireReadSomewhere(dev, "c1", "Pod");
    authorizer.requireReadSomewhere(dev, "c1", "ConfigMap");
    assertEquals(403, assertThrows(AuthException.class, () -> authorizer.requireReadSomewhere(dev, "c2", "Pod"))
        .status());
  }

  @Test
  void theDecisionOnATargetIsTheGrantsOnItsClusterNamespaceAndKind() {
    io.kubebackend.cluster.ResourceType pods = new io.kubebackend.cluster.ResourceType("", "v1", "pods", "Pod", true);
    io.kubebackend.cluster.ResourceType ns = new io.kubebackend.cluster.ResourceType("", "v1", "namespaces",
        "Namespace", false);
    authorizer.authorize(dev, Access.READ, Target.of("c1", pods, "team-b"));
    assertThrows(AuthException.class, () -> authorizer.authorize(dev, Access.WRITE, Target.of("c1", pods, "team-b")));
    // A list across every namespace needs a grant for every namespace.
    assertThrows(AuthException.class, () -> authorizer.authorize(dev, Access.READ, Target.of("c1", pods, "*")));
    authorizer.authorize(dev, Access.READ, Target.of("c2", ns, ""));
    assertThrows(AuthException.class, () -> authorizer.authorize(dev, Access.READ, Target.of("c1", ns, "")));
    assertThrows(IllegalArgumentException.class, () -> Target.of("c1", pods, ""));
    assertThrows(IllegalArgumentException.class, () -> Target.of("c1", ns, "team-a"));
  }

  @Test
  void requireAnyHidesClustersWithoutGrants() {
    authorizer.requireAny(dev, Access.WRITE, "c1");
    authorizer.requireAny(dev, Access.READ, "c3");
    Caller reader = new Caller("r", "r", List.of(new Grant("c1", "*", "*", true, false)), "h");
    assertThrows(AuthException.class, () -> authorizer.requireAny(reader, Access.WRITE, "c1"));
    assertThrows(AuthException.class, () -> authorizer.requireAny(reader, Access.READ, "c2"));
  }

  @Test
  void grantsAreValidated() {
    new Grant("*", "*", "*", true, false).validated();
    new Grant("cluster-1", "", "rbac.authorization.k8s.io.ClusterRole", false, true).validated();
    for (Grant bad : List.of(new Grant("' OR 1=1 --", "*", "*", true, true), new Grant("c1", "a/b", "*", true, true),
        new Grant("c1", "*", "Pod;", true, true), new Grant("c1", "*", "*", false, false),
        new Grant(null, "*", "*", true, true))) {
      assertEquals(400, assertThrows(AuthException.class, bad::validated).status(), bad.toString());
    }
  }
}
