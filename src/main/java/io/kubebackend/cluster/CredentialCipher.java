package io.kubebackend.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts cluster credentials at rest with AES-256-GCM. The key is 32 random bytes, base64, given in
 * configuration or kept in a key file (created with mode 0600 on first use). Ciphertext format:
 * {@code v1:<base64(12-byte nonce || ciphertext+tag)>}.
 */
public final class CredentialCipher {
  private static final String PREFIX = "v1:";
  private static final int NONCE_BYTES = 12;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  public CredentialCipher(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("the credential key must be 32 bytes (base64 of 32 random bytes)");
    }
    this.key = new SecretKeySpec(key.clone(), "AES");
  }

  public static CredentialCipher ofBase64(String base64Key) {
    return new CredentialCipher(Base64.getDecoder().decode(base64Key.strip()));
  }

  /** Reads the key file, creating it with a new random key (readable by the owner only) if it does not exist. */
  public static CredentialCipher ofKeyFile(Path file) {
    try {
      if (!Files.exists(file)) {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, Base64.getEncoder().encodeToString(k));
      }
      return ofBase64(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the credential key file " + file, e);
    }
  }

  public String encrypt(String plaintext) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      byte[] sealed = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      return PREFIX + Base64.getEncoder().encodeToString(ByteBuffer.allocate(nonce.length + sealed.length)
          .put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("encryption failed", e);
    }
  }

  /** Throws {@link IllegalArgumentException} when the text was not sealed with this key. */
  public String decrypt(String sealed) {
    if (!sealed.startsWith(PREFIX)) {
      throw new IllegalArgumentException("not an encrypted credential");
    }
    try {
      byte[] all = Base64.getDecoder().decode(sealed.substring(PREFIX.length()));
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, all, 0, NONCE_BYTES));
      return new String(c.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot decrypt a stored credential: wrong key?", e);
    }
  }
}
