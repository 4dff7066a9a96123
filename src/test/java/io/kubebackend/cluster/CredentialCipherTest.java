package io.kubebackend.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialCipherTest {
  @TempDir
  Path dir;

  @Test
  void roundTripsAndHidesThePlaintext() {
    CredentialCipher c = CredentialCipher.ofKeyFile(dir.resolve("k"));
    String sealed = c.encrypt("token=abc123");
    assertFalse(sealed.contains("abc123"));
    assertNotEquals(sealed, c.encrypt("token=abc123"), "a fresh nonce each time");
    assertEquals("token=abc123", c.decrypt(sealed));
  }

  @Test
  void anotherKeyCannotDecrypt() {
    String sealed = CredentialCipher.ofKeyFile(dir.resolve("a")).encrypt("x");
    CredentialCipher other = CredentialCipher.ofKeyFile(dir.resolve("b"));
    assertThrows(IllegalArgumentException.class, () -> other.decrypt(sealed));
  }

  @Test
  void keyFileIsOwnerOnlyAndReused() throws Exception {
    Path f = dir.resolve("key");
    String sealed = CredentialCipher.ofKeyFile(f).encrypt("x");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    assertEquals("x", CredentialCipher.ofKeyFile(f).decrypt(sealed));
  }

  @Test
  void rejectsShortKeys() {
    assertThrows(IllegalArgumentException.class, () -> CredentialCipher.ofBase64("c2hvcnQ="));
  }
}
