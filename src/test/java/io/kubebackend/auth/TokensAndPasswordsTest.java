package io.kubebackend.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokensAndPasswordsTest {

  @Test
  void tokensAreLongRandomAndStoredAsSha256() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      String t = Tokens.newToken();
      assertEquals(32, Base64.getUrlDecoder().decode(t).length);
      assertTrue(seen.add(t));
    }
    assertEquals("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Tokens.hash("test"));
  }

  @Test
  void bcryptHashesAreSaltedAndChecked() {
    PasswordHasher hasher = new PasswordHasher(4);
    String a = hasher.hashNew("correct horse");
    String b = hasher.hashNew("correct horse");
    assertTrue(a.startsWith("$2"));
    assertNotEquals(a, b);
    assertTrue(hasher.matches("correct horse", a));
    assertFalse(hasher.matches("wrong horse", a));
    assertFalse(hasher.matches("correct horse", null));
    assertFalse(hasher.matches("x".repeat(100), a));
    assertEquals(400, assertThrows(AuthException.class, () -> hasher.hashNew("short")).status());
    assertEquals(400, assertThrows(AuthException.class, () -> hasher.hashNew("ü".repeat(40))).status());
  }

  @Test
  void bearerHeaderIsParsedCaseInsensitively() {
    assertEquals("abc", Authenticator.bearerToken("Bearer abc"));
    assertEquals("abc", Authenticator.bearerToken("bearer  abc "));
    for (String bad : new String[] {null, "", "abc", "Basic abc", "Bearer ", "Bearer " + "x".repeat(300)}) {
      assertEquals(401, assertThrows(AuthException.class, () -> Authenticator.bearerToken(bad)).status());
    }
  }
}
