package io.kubebackend.api;

import io.fabric8.kubernetes.client.internal.CertUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The certificate kube-backend's HTTPS listener presents. kubectl and client-go send a bearer token only over TLS,
 * so the Kubernetes API of the mirror needs one: either the operator's PEM certificate and key, or, without them, a
 * self-signed certificate made on first start (with the JDK's keytool) for 127.0.0.1, localhost and the host name,
 * kept in a PKCS#12 file readable by the owner only, which the kubeconfig kube-backend hands out names as its CA.
 */
public final class TlsIdentity {
  private final KeyStore keyStore;
  private final char[] password;
  private final X509Certificate certificate;

  private TlsIdentity(KeyStore keyStore, char[] password) throws GeneralSecurityException {
    this.keyStore = keyStore;
    this.password = password.clone();
    String alias = keyStore.aliases().nextElement();
    this.certificate = (X509Certificate) keyStore.getCertificate(alias);
  }

  /** The operator's certificate (chain) and private key, PEM. */
  public static TlsIdentity fromPem(Path certFile, Path keyFile) {
    char[] pw = randomPassword();
    for (String algorithm : List.of("RSA", "EC")) {
      try (InputStream cert = Files.newInputStream(certFile); InputStream key = Files.newInputStream(keyFile)) {
        return new TlsIdentity(CertUtils.createKeyStore(cert, key, algorithm, pw, null, pw), pw);
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        // try the next key algorithm
      }
    }
    throw new IllegalArgumentException("cannot read the TLS certificate " + certFile + " and key " + keyFile
        + " (PEM, RSA or EC)");
  }

  /** The self-signed certificate in {@code keystoreFile}, made there on first use. */
  public static TlsIdentity selfSigned(Path keystoreFile) {
    Path passwordFile = keystoreFile.resolveSibling(keystoreFile.getFileName() + ".password");
    try {
      if (!Files.exists(keystoreFile)) {
        create(keystoreFile, passwordFile);
      }
      char[] pw = Files.readString(passwordFile).strip().toCharArray();
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keystoreFile)) {
        ks.load(in, pw);
      }
      return new TlsIdentity(ks, pw);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the TLS keystore " + keystoreFile, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the TLS keystore " + keystoreFile + " is unreadable: " + e.getMessage(), e);
    }
  }

  private static void create(Path keystoreFile, Path passwordFile) throws IOException {
    Path dir = keystoreFile.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    String pw = new String(randomPassword());
    Files.deleteIfExists(passwordFile);
    Files.createFile(passwordFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(passwordFile, pw);
    List<String> san = new ArrayList<>(List.of("ip:127.0.0.1", "ip:::1", "dns:localhost"));
    String host = hostName();
    if (host != null && host.matches("[A-Za-z0-9.-]{1,253}")) {
      san.add("dns:" + host);
    }
    Path tmp = keystoreFile.resolveSibling(keystoreFile.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "kube-backend", "-keyalg", "EC",
        "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-validity", "3650", "-dname", "CN=kube-backend",
        "-ext", "SAN=" + String.join(",", san), "-ext", "BC:c=ca:true", "-keystore", tmp.toString(), "-storetype",
        "PKCS12", "-storepass", pw, "-keypass", pw).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("keytool failed: " + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted making the TLS certificate", e);
    }
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    Files.move(tmp, keystoreFile);
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return null;
    }
  }

  private static char[] randomPassword() {
    byte[] b = new byte[18];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b).toCharArray();
  }

  public KeyStore keyStore() {
    return keyStore;
  }

  public String password() {
    return new String(password);
  }

  /** The certificate as PEM, base64-encoded again for a kubeconfig's certificate-authority-data when it is its own. */
  public String certificateAuthorityData() {
    if (!certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
      return null; // issued by a CA the clients trust already
    }
    try {
      String pem = "-----BEGIN CERTIFICATE-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
          + "\n-----END CERTIFICATE-----\n";
      return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
