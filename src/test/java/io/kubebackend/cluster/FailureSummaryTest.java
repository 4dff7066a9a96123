package io.kubebackend.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class FailureSummaryTest {

  @Test
  void anHttpFailureIsItsStatusAndReasonOnly() {
    KubernetesClientException e = new KubernetesClientException("Failure executing: GET at: "
        + "https://admin:hunter2@10.0.0.1/api/v1/secrets. Message: <html>secret page</html> Authorization: Bearer abc",
        401, new StatusBuilder().withReason("Unauthorized").withMessage("<html>secret page</html>").build());
    assertEquals("HTTP 401 Unauthorized", FailureSummary.of(e));
  }

  @Test
  void aReasonThatIsNotAKubernetesReasonIsLeftOut() {
    KubernetesClientException e = new KubernetesClientException("x", 500,
        new StatusBuilder().withReason("<html>oops token=abc</html>").build());
    assertEquals("HTTP 500", FailureSummary.of(e));
  }

  @Test
  void connectionFailuresAreNamedByKindFromTheCauseChain() {
    Exception refused = new KubernetesClientException("Operation: [list] for kind: [Pod] with name: [null] failed.",
        new ExecutionException(new ConnectException("Connection refused: https://u:p@127.0.0.1:1")));
    assertEquals("connection refused", FailureSummary.of(refused));
    assertEquals("TLS handshake failed (is the CA right?)",
        FailureSummary.of(new IOException("wrap", new SSLHandshakeException("PKIX path building failed"))));
    assertEquals("request failed", FailureSummary.of(new IllegalStateException("token=abc at https://u:p@h")));
  }

  @Test
  void credentialsInsideUrlsAreRedacted() {
    String text = FailureSummary.redact("cannot reach https://admin:s3cret@10.0.0.1:6443/api and http://tok@h/x");
    assertEquals("cannot reach https://***@10.0.0.1:6443/api and http://***@h/x", text);
    assertFalse(text.contains("s3cret"));
  }
}
