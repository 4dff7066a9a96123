package io.kubebackend.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Retry-After an apiserver's 429 or 503 carries, as fabric8 hands it over (in the Status details). */
class RetryAfterTest {
  @Test
  void aTooManyRequestsStatusGivesItsRetryAfter() {
    Status tooMany = new StatusBuilder().withCode(429).withReason("TooManyRequests")
        .withMessage("the server has received too many requests").withNewDetails().withRetryAfterSeconds(7)
        .endDetails().build();
    assertEquals(Duration.ofSeconds(7), ResourceSync.retryAfter(new KubernetesClientException(tooMany)));
  }

  @Test
  void withoutDetailsThereIsNone() {
    assertEquals(Duration.ZERO, ResourceSync.retryAfter(new KubernetesClientException("connection refused")));
    Status noDetails = new StatusBuilder().withCode(500).withMessage("internal error").build();
    assertEquals(Duration.ZERO, ResourceSync.retryAfter(new KubernetesClientException(noDetails)));
  }
}
