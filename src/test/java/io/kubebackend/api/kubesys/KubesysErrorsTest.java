package io.kubebackend.api.kubesys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kubebackend.auth.AuthException;
import io.kubebackend.store.StoreException;
import io.kubebackend.write.ApiserverException;
import java.sql.SQLException;
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
  void aDatabaseThatLostItsConnectionIsA503AndABrokenStatementA500() {
    assertEquals(503, KubesysErrors.classify(StoreException.of("reading", new SQLException("Connection is closed")))
        .status());
    assertEquals(503, KubesysErrors.classify(StoreException.of("reading", new SQLException("gone", "08006")))
        .status());
    assertEquals(500, KubesysErrors.classify(StoreException.of("reading", new SQLException("syntax", "42601")))
        .status());
  }

  @Test
  void theErrorBodyCodeIsTheStatusTimes100() {
    assertEquals(new KubesysResponse(40400, "gone", null), KubesysResponse.error(404, "gone"));
    assertEquals(new KubesysResponse(20000, null, 5), KubesysResponse.ok(5));
  }
}
