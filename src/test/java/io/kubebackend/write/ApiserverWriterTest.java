package io.kubebackend.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubebackend.cluster.ResourceType;
import org.junit.jupiter.api.Test;

class ApiserverWriterTest {

  @Test
  void pathSegmentsThatCouldLeaveTheirPlaceAreRefused() {
    ApiserverWriter.checkPathSegment("name", "nginx");
    ApiserverWriter.checkPathSegment("name", "' OR 1=1 --");
    for (String bad : new String[] {null, "", ".", "..", "a/b", "../kube-system", "%2e%2e", "a\nb", "x".repeat(254)}) {
      assertThrows(IllegalArgumentException.class, () -> ApiserverWriter.checkPathSegment("name", bad), bad);
    }
  }

  @Test
  void apiserverStatusesKeepTheirMeaningExceptItsOwnFailures() {
    for (int code : new int[] {400, 403, 404, 409, 422, 429}) {
      assertEquals(code, ApiserverException.callerStatus(code));
    }
    for (int code : new int[] {401, 500, 503, 504, 302}) {
      assertEquals(502, ApiserverException.callerStatus(code));
    }
  }

  @Test
  void everyUrlSegmentIsEncodedOnItsOwn() {
    ResourceType rbac = new ResourceType("rbac.authorization.k8s.io", "v1", "roles", "Role", true);
    assertEquals("https://h:6443/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles/x%2F..%3F%23%25%20y",
        ApiserverWriter.url("https://h:6443/", rbac, "team-a", "x/..?#% y"));
    ResourceType injected = new ResourceType("", "v1%2Fclusterrolebindings", "configmaps", "ConfigMap", true);
    assertEquals("https://h/api/v1%252Fclusterrolebindings/namespaces/a%2Fb/configmaps",
        ApiserverWriter.url("https://h", injected, "a/b", null));
    ResourceType crb = new ResourceType("rbac.authorization.k8s.io", "v1", "clusterrolebindings",
        "ClusterRoleBinding", false);
    assertEquals("https://h/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/system%3Anode",
        ApiserverWriter.url("https://h", crb, "", "system:node"));
  }

  @Test
  void fullKindOfAnObject() {
    assertEquals("Pod", ResourceType.fullKind(ResourceType.groupOf("v1"), "Pod"));
    assertEquals("apps.Deployment", ResourceType.fullKind(ResourceType.groupOf("apps/v1"), "Deployment"));
    assertEquals("rbac.authorization.k8s.io.ClusterRole",
        ResourceType.fullKind(ResourceType.groupOf("rbac.authorization.k8s.io/v1"), "ClusterRole"));
  }
}
