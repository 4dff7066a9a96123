package io.kubebackend.cluster;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterSpecTest {
  @Test
  void idsAreDnsLabels() {
    assertDoesNotThrow(() -> ClusterSpec.fromKubeconfig("prod-eu.1", "/k", null).validated());
    for (String bad : new String[] {"", "Prod", "-a", "a-", "a b", "a/b", "x".repeat(64), "' OR 1=1 --"}) {
      assertThrows(IllegalArgumentException.class, () -> ClusterSpec.fromKubeconfig(bad, "/k", null).validated(),
          bad);
    }
  }

  @Test
  void exactlyOneCredentialSource() {
    assertThrows(IllegalArgumentException.class, () -> new ClusterSpec("a", null, null, null, null, null, null,
        List.of(), List.of(), false, false).validated());
    assertThrows(IllegalArgumentException.class, () -> new ClusterSpec("a", "/k", null, null, "https://x", "t", null,
        List.of(), List.of(), false, false).validated());
    assertThrows(IllegalArgumentException.class, () -> new ClusterSpec("a", null, null, null, "ftp://x", "t", null,
        List.of(), List.of(), false, false).validated());
  }

  @Test
  void toStringHidesCredentials() {
    ClusterSpec s = new ClusterSpec("a", null, "apiVersion: v1\nusers: secret-key-data", null, null, null, null,
        List.of(), List.of(), false, false);
    ClusterSpec t = new ClusterSpec("b", null, null, null, "https://x", "tok3n-value", "CA", List.of(), List.of(),
        false, false);
    assertFalse(s.toString().contains("secret-key-data"));
    assertFalse(t.toString().contains("tok3n-value"));
  }
}
