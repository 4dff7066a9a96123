package io.kubebackend.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP forwarder in front of a real server (an apiserver, PostgreSQL), for the faults a real server
 * cannot be asked for: a network partition, and an answer lost on the way. {@link #partition()} drops every open
 * connection and refuses new ones until {@link #heal()}; {@link #loseTheAnswerTo} cuts a connection right after a
 * request went through, before its answer comes back. Bytes pass through untouched (TLS ends at the server).
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int upstreamPort;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean partitioned;
  private volatile byte[] loseAnswerTo;

  public TcpProxy(int upstreamPort) throws IOException {
    this.upstreamPort = upstreamPort;
    this.server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread.ofVirtual().name("tcp-proxy-accept").start(this::accept);
  }

  public int port() {
    return server.getLocalPort();
  }

  public void partition() {
    partitioned = true;
    for (Socket s : open) {
      closeQuietly(s);
    }
    open.clear();
  }

  public void heal() {
    partitioned = false;
  }

  /**
   * The next time a client sends bytes containing {@code request} (e.g. a plaintext {@code COMMIT}), they reach the
   * server, but nothing the server sends after them reaches the client, whose connection is then closed. Once.
   */
  public void loseTheAnswerTo(String request) {
    loseAnswerTo = request.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        if (partitioned) {
          closeQuietly(client);
          continue;
        }
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
        open.add(client);
        open.add(upstream);
        java.util.concurrent.atomic.AtomicBoolean muted = new java.util.concurrent.atomic.AtomicBoolean();
        Thread.ofVirtual().start(() -> pump(client, upstream, muted, true));
        Thread.ofVirtual().start(() -> pump(upstream, client, muted, false));
      } catch (IOException e) {
        // closed, or the upstream refused: the client sees its connection closed
      }
    }
  }

  /** Copies one direction; {@code muted} (shared by both) stops answers after a request whose answer is lost. */
  private void pump(Socket from, Socket to, java.util.concurrent.atomic.AtomicBoolean muted, boolean fromClient) {
    byte[] buf = new byte[16 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        byte[] lose = loseAnswerTo;
        boolean lastRequest = fromClient && lose != null && contains(buf, n, lose);
        if (lastRequest) {
          loseAnswerTo = null;
          muted.set(true); // before the request goes up: its answer can only arrive muted
        }
        if (!fromClient && muted.get()) {
          return;
        }
        out.write(buf, 0, n);
        out.flush();
        if (lastRequest) {
          Thread.sleep(500); // time to answer: the answer, dropped above, shows the request was carried out
          return;
        }
      }
    } catch (IOException e) {
      // one side went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      open.remove(from);
      open.remove(to);
    }
  }

  private static boolean contains(byte[] buf, int length, byte[] part) {
    outer:
    for (int i = 0; i + part.length <= length; i++) {
      for (int j = 0; j < part.length; j++) {
        if (buf[i + j] != part[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
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
    partition();
  }
}
