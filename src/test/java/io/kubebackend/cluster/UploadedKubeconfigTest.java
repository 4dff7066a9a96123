package io.kubebackend.cluster;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UploadedKubeconfigTest {
  static final String INLINE = """
      apiVersion: v1
      kind: Config
      clusters:
      - name: c
        cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: "AAAA"}
      users:
      - name: u
        user: {token: "t"}
      contexts:
      - name: c
        context: {cluster: c, user: u}
      current-context: c
      """;

  @Test
  void acceptsInlineCredentials() {
    assertDoesNotThrow(() -> UploadedKubeconfig.check(INLINE));
  }

  @Test
  void refusesProgramsAndLocalFiles() {
    String exec = INLINE.replace("user: {token: \"t\"}", "user: {exec: {command: /bin/sh, args: [-c, id]}}");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> UploadedKubeconfig.check(exec))
        .getMessage().contains("'exec'"));
    String file = INLINE.replace("user: {token: \"t\"}", "user: {client-key: /etc/shadow}");
    assertThrows(IllegalArgumentException.class, () -> UploadedKubeconfig.check(file));
    String ca = INLINE.replace("certificate-authority-data: \"AAAA\"", "certificate-authority: /etc/passwd");
    assertThrows(IllegalArgumentException.class, () -> UploadedKubeconfig.check(ca));
  }

  @Test
  void refusesNonsense() {
    assertThrows(IllegalArgumentException.class, () -> UploadedKubeconfig.check("::: not yaml"));
    assertThrows(IllegalArgumentException.class, () -> UploadedKubeconfig.check("apiVersion: v1"));
  }

  @Test
  void refusesServersThatAreNotHttpUrls() {
    for (String server : new String[] {"file:///etc/passwd", "ftp://10.0.0.1/x", "gopher://h", "https://", "//h:1",
        "not a url"}) {
      String bad = INLINE.replace("https://127.0.0.1:6443", server);
      assertTrue(assertThrows(IllegalArgumentException.class, () -> UploadedKubeconfig.check(bad), server)
          .getMessage().contains("http(s) URL"), server);
    }
  }

  @Test
  void refusesDuplicateKeys() {
    String twice = INLINE.replace("current-context: c", "current-context: c\ncurrent-context: d");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UploadedKubeconfig.check(twice));
    assertTrue(e.getMessage().contains("twice"), e.getMessage());
  }
}
