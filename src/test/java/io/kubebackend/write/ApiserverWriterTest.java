package io.kubebackend.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
  void fullKindOfAnObject() {
    assertEquals("Pod", ServedKind.fullKind("v1", "Pod"));
    assertEquals("apps.Deployment", ServedKind.fullKind("apps/v1", "Deployment"));
    assertEquals("rbac.authorization.k8s.io.ClusterRole",
        ServedKind.fullKind("rbac.authorization.k8s.io/v1", "ClusterRole"));
  }
}
