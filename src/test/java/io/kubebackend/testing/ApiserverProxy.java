package io.kubebackend.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * An HTTP-aware proxy in front of a local apiserver, for faults that need to see requests: it ends TLS with the
 * cluster's own serving certificate (so the client's kubeconfig CA still verifies it), speaks HTTP/1.1 (it offers
 * no h2, so every request is visible), and talks to the apiserver as the cluster's admin (the identity the tests'
 * kubeconfigs carry anyway). It records every request line, and {@link #cutWatches} closes each watch connection
 * right after the apiserver's response headers (a {@code 101} for a WebSocket watch, {@code 200} for a streamed
 * one): a watch that is accepted and then closed at once.
 */
public final class ApiserverProxy implements AutoCloseable {
  private static final byte[] END_OF_HEADERS = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** One request as the client sent it: {@code GET /api/v1/configmaps?limit=500}. */
  public record Request(String method, String target) {
    public boolean isWatch() {
      return target.contains("watch=true") || target.contains("watch=1");
    }

    public String path() {
      int q = target.indexOf('?');
      return q < 0 ? target : target.substring(0, q);
    }
  }

  private final SSLServerSocket server;
  private final SSLContext upstreamTls;
  private final int upstreamPort;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile boolean cutWatches;

  /** A proxy for the local cluster whose state directory (certificates, kubeconfig) is {@code clusterDir}. */
  public ApiserverProxy(Path clusterDir, int upstreamPort) throws Exception {
    this.upstreamPort = upstreamPort;
    SSLContext serving = SSLContext.getInstance("TLS");
    serving.init(keyManagers(clusterDir.resolve("apiserver.crt"), clusterDir.resolve("apiserver.key")), null, null);
    this.upstreamTls = SSLContext.getInstance("TLS");
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    KeyStore ca = KeyStore.getInstance("PKCS12");
    ca.load(null, null);
    ca.setCertificateEntry("ca", certificates(clusterDir.resolve("ca.crt"))[0]);
    trust.init(ca);
    upstreamTls.init(keyManagers(clusterDir.resolve("admin.crt"), clusterDir.resolve("admin.key")),
        trust.getTrustManagers(), null);
    this.server = (SSLServerSocket) serving.getServerSocketFactory().createServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread.ofVirtual().name("apiserver-proxy-accept").start(this::accept);
  }

  public int port() {
    return server.getLocalPort();
  }

  /** From now on, every watch connection is closed right after its response headers. */
  public void cutWatches(boolean cut) {
    cutWatches = cut;
  }

  /** Closes every open connection (the clients reconnect). */
  public void dropConnections() {
    for (Socket s : open) {
      closeQuietly(s);
    }
  }

  /** How many requests so far match. */
  public long count(Predicate<Request> which) {
    return requests.stream().filter(which).count();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        SSLSocket client = (SSLSocket) server.accept();
        Thread.ofVirtual().start(() -> connect(client));
      } catch (IOException e) {
        // closed
      }
    }
  }

  private void connect(SSLSocket client) {
    try {
      client.startHandshake();
      SSLSocket upstream = (SSLSocket) upstreamTls.getSocketFactory()
          .createSocket(InetAddress.getLoopbackAddress(), upstreamPort);
      upstream.startHandshake();
      open.add(client);
      open.add(upstream);
      Connection c = new Connection(client, upstream);
      Thread.ofVirtual().start(c::requests);
      Thread.ofVirtual().start(c::responses);
    } catch (IOException e) {
      closeQuietly(client);
    }
  }

  /** One client connection and its upstream twin. */
  private final class Connection {
    private final Socket client;
    private final Socket upstream;
    /** Set once a watch request went up: the next end of headers coming down ends this connection. */
    private volatile boolean watchSent;

    Connection(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    /** Client to apiserver, parsing each request's head; bodies (by Content-Length) pass through. */
    void requests() {
      try (InputStream in = client.getInputStream(); OutputStream out = upstream.getOutputStream()) {
        while (true) {
          byte[] head = readHead(in);
          if (head == null) {
            return;
          }
          String text = new String(head, StandardCharsets.ISO_8859_1);
          String[] requestLine = text.substring(0, text.indexOf("\r\n")).split(" ");
          Request r = new Request(requestLine[0], requestLine[1]);
          requests.add(r);
          if (cutWatches && r.isWatch()) {
            watchSent = true;
          }
          out.write(head);
          if (isUpgrade(text)) {
            out.flush();
            in.transferTo(out); // a WebSocket from here on: frames, not requests
            return;
          }
          long body = contentLength(text);
          byte[] buf = new byte[16 * 1024];
          while (body > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, body));
            if (n < 0) {
              return;
            }
            out.write(buf, 0, n);
            body -= n;
          }
          out.flush();
        }
      } catch (IOException e) {
        // one side went away
      } finally {
        close();
      }
    }

    /** Apiserver to client, untouched, but cut after the response headers of a watch when asked to. */
    void responses() {
      byte[] buf = new byte[16 * 1024];
      int matched = 0;
      try (InputStream in = upstream.getInputStream(); OutputStream out = client.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          if (!watchSent) {
            out.write(buf, 0, n);
            out.flush();
            continue;
          }
          for (int i = 0; i < n; i++) {
            matched = buf[i] == END_OF_HEADERS[matched] ? matched + 1 : buf[i] == END_OF_HEADERS[0] ? 1 : 0;
            if (matched == END_OF_HEADERS.length) {
              out.write(buf, 0, i + 1);
              out.flush();
              return;
            }
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side went away
      } finally {
        close();
      }
    }

    private void close() {
      closeQuietly(client);
      closeQuietly(upstream);
      open.remove(client);
      open.remove(upstream);
    }
  }

  /** A request head up to and including the blank line, or null at the end of the stream. */
  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      matched = b == END_OF_HEADERS[matched] ? matched + 1 : b == END_OF_HEADERS[0] ? 1 : 0;
      if (matched == END_OF_HEADERS.length) {
        return head.toByteArray();
      }
    }
    return null;
  }

  private static boolean isUpgrade(String head) {
    return head.toLowerCase(Locale.ROOT).contains("\r\nupgrade:");
  }

  private static long contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
      }
    }
    return 0;
  }

  private static javax.net.ssl.KeyManager[] keyManagers(Path certFile, Path keyFile) throws Exception {
    String pem = Files.readString(keyFile).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder()
        .decode(pem)));
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("key", key, new char[0], certificates(certFile));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, new char[0]);
    return kmf.getKeyManagers();
  }

  private static Certificate[] certificates(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      return CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(new Certificate[0]);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    dropConnections();
  }
}
