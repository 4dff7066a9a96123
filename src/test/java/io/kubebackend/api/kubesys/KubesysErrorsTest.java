package io.kubebackend.api.kubesys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kubebackend.auth.AuthException;
import io.kubebackend.write.ApiserverException;
import org.junit.jupiter.api.Test;

class KubesysErrorsTest {

  @Test
  void everyTypedFailureKeepsItsStatus() {
    assertEquals(new KubesysErrors.Failure(400, "bad"), KubesysErrors.classify(KubesysException.badRequest("bad")));
    assertEquals(401, KubesysErrors.classify(AuthException.unauthenticated("x")).status());
    assertEquals(403, KubesysErrors.classify(AuthException.forbidden("x")).status());
    assertEquals(429, KubesysErrors.classify(AuthException.tooManyRequests("x")).status());
    assertEquals(422, KubesysErrors.classify(new ApiserverException(422, "Invalid", "x", null)).status());
    assertEquals(502, KubesysErrors.classify(new ApiserverException(502, "BadGateway", "x", null)).status());
    KubesysErrors.Failure bug = KubesysErrors.classify(new NullPointerException("secret detail"));
    assertEquals(500, bug.status());
    assertEquals("internal error, see the server log", bug.message());
  }

  @Test
  void theErrorBodyCodeIsTheStatusTimes100() {
    assertEquals(new KubesysResponse(40400, "gone", null), KubesysResponse.error(404, "gone"));
    assertEquals(new KubesysResponse(20000, null, 5), KubesysResponse.ok(5));
  }
}
