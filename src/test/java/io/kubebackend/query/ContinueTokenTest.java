package io.kubebackend.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContinueTokenTest {
  private final ObjectQuery query = QueryParams.list("sort=-metadata.creationTimestamp,metadata.labels[\"x\"]");

  private String hash() {
    return ContinueToken.hashOf(query.filter(), query.sort());
  }

  @Test
  void roundTripKeepsTypes() {
    ContinueToken t = new ContinueToken(hash(), List.of(1714521600000L, "web", "c1", "", "pods", "ns", "p-1"));
    String encoded = t.encode();
    assertTrue(encoded.matches("[A-Za-z0-9_-]+"), "URL-safe: " + encoded);
    assertEquals(t, ContinueToken.decode(encoded, query.filter(), query.sort()));
  }

  @Test
  void hashDependsOnFilterAndSortOnly() {
    assertEquals(hash(), ContinueToken.hashOf(QueryParams.list("sort=-metadata.creationTimestamp,"
        + "metadata.labels.x&limit=3&fields=kind&total=true").filter(), query.sort()));
    assertNotEquals(hash(), ContinueToken.hashOf(QueryParams.list("namespace=a").filter(), query.sort()));
  }

  @Test
  void tamperedTokensAreRejected() {
    String wrongTypes = json("{\"q\":\"" + hash() + "\",\"v\":[\"x\",\"web\",\"c1\",\"\",\"pods\",\"ns\",\"p\"]}");
    assertProblem(wrongTypes, "value 0 has the wrong type");
    String tooShort = json("{\"q\":\"" + hash() + "\",\"v\":[1,\"web\"]}");
    assertProblem(tooShort, "wrong number of values");
    String injected = json("{\"q\":\"" + hash() + "\",\"v\":[1,{\"$ne\":1},\"c1\",\"\",\"pods\",\"ns\",\"p\"]}");
    assertProblem(injected, "value 1 has the wrong type");
    assertProblem("!!!", "not a token this server issued");
    assertProblem("A".repeat(20_000), "too long");
  }

  private void assertProblem(String token, String problem) {
    InvalidQueryException e = assertThrows(InvalidQueryException.class,
        () -> ContinueToken.decode(token, query.filter(), query.sort()));
    assertTrue(e.getMessage().contains(problem), e.getMessage());
  }

  private static String json(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
