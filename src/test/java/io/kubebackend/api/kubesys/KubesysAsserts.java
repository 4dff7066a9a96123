package io.kubebackend.api.kubesys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.testing.KubesysClient.Reply;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Checks of the kubesys answer shapes, and names unique on the shared clusters. */
final class KubesysAsserts {
  private KubesysAsserts() {}

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  /** HTTP 200 and {@code {"code":20000,"message":null,"data":...}}. */
  static void assertOk(Reply r) {
    assertEquals(200, r.status(), r.toString());
    assertEquals(20000, r.code(), r.toString());
    assertTrue(r.body().has("message") && r.body().get("message").isNull(), r.toString());
  }

  /** The HTTP status and {@code {"code":status*100,"message":"<text>","data":null}}. */
  static void assertFails(int status, Reply r) {
    assertEquals(status, r.status(), r.toString());
    assertEquals(status * 100, r.code(), r.toString());
    assertTrue(r.body().has("data") && r.data().isNull(), r.toString());
    assertFalse(r.message() == null || r.message().isBlank(), r.toString());
  }

  /** A copy of a request with one field left out. */
  static Map<String, Object> without(Map<String, Object> m, String field) {
    Map<String, Object> out = new HashMap<>(m);
    out.remove(field);
    return out;
  }

  /** A copy of a request with one field set (to anything, null included). */
  static Map<String, Object> with(Map<String, Object> m, String field, Object value) {
    Map<String, Object> out = new HashMap<>(m);
    out.put(field, value);
    return out;
  }
}
