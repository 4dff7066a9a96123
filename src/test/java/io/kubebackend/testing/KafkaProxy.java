package io.kubebackend.testing;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback proxy in front of the test broker's proxied listener ({@code scripts/kafka.sh proxied}), which
 * advertises this proxy's address: every connection a client opens (bootstrap, partition leader, transaction
 * coordinator) comes through here. It reads the framing of each request (size, api key, client id) for a fault a
 * real broker cannot be asked for: requests that are on the wire, but late.
 *
 * <p>{@link #hold} makes the first request of a kind (e.g. produce) of that client on a connection, and
 * everything after it on that connection (a connection's requests are answered in order, so nothing may overtake),
 * wait here until {@link #release()}. A connection the client closes meanwhile stays open towards the broker, so
 * that what it held is still delivered: a request already sent is out of the client's hands. Bytes pass through
 * untouched.
 */
public final class KafkaProxy implements AutoCloseable {
  /** The requests a test can hold, by api key. */
  public enum Held {
    PRODUCE(0), END_TXN(26);

    final short apiKey;

    Held(int apiKey) {
      this.apiKey = (short) apiKey;
    }
  }

  private final ServerSocket server;
  private final int upstreamPort;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private volatile String heldClientId;
  private volatile Held heldKind;

  private KafkaProxy(int upstreamPort, int listenPort) throws IOException {
    this.upstreamPort = upstreamPort;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
    Thread.ofVirtual().name("kafka-proxy-accept").start(this::accept);
  }

  /** Listens where the test broker's proxied listener sends its clients (starting the broker if needed). */
  public static KafkaProxy start() throws IOException {
    TestServers.KafkaProxied ports = TestServers.kafkaProxied();
    return new KafkaProxy(ports.listenerPort(), ports.proxyPort());
  }

  public String bootstrap() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** From now on, requests of this kind of client {@code clientId} (its {@code client.id}) wait here. */
  public void hold(Held kind, String clientId) {
    heldKind = kind;
    heldClientId = clientId;
  }

  /** Requests waiting here now. */
  public int heldRequests() {
    return links.stream().mapToInt(Link::held).sum();
  }

  /** Sends on every held request, in order per connection, and holds nothing more. */
  public void release() throws IOException {
    heldKind = null;
    heldClientId = null;
    for (Link link : links) {
      link.release();
    }
  }

  /** True when the broker has answered every request passed on to it (or closed the connection). */
  public boolean everyRequestAnswered() {
    return links.stream().allMatch(Link::settled);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
        Link link = new Link(client, upstream);
        links.add(link);
        Thread.ofVirtual().start(link::clientToBroker);
        Thread.ofVirtual().start(link::brokerToClient);
      } catch (IOException e) {
        // closed, or the broker refused: the client sees its connection closed
      }
    }
  }

  /** One client connection and its connection to the broker. */
  private final class Link {
    private final Socket client;
    private final Socket upstream;
    private final OutputStream toBroker;
    private final List<byte[]> held = new ArrayList<>(); // guarded by this
    private boolean holding; // guarded by this
    private boolean everHeld; // guarded by this
    private long forwarded; // guarded by this
    /** Not guarded by this: the broker's answers must flow while a held request is being written. */
    private final AtomicLong answered = new AtomicLong();
    private volatile boolean upstreamClosed;

    Link(Socket client, Socket upstream) throws IOException {
      this.client = client;
      this.upstream = upstream;
      this.toBroker = upstream.getOutputStream();
    }

    synchronized int held() {
      return held.size();
    }

    synchronized boolean settled() {
      return upstreamClosed || (held.isEmpty() && forwarded == answered.get());
    }

    synchronized void release() throws IOException {
      for (byte[] frame : held) {
        toBroker.write(frame);
        forwarded++;
      }
      toBroker.flush();
      held.clear();
      holding = false;
    }

    private synchronized void fromClient(byte[] frame) throws IOException {
      ByteBuffer header = ByteBuffer.wrap(frame, 4, frame.length - 4);
      short apiKey = header.getShort();
      header.getShort(); // api version
      header.getInt(); // correlation id
      short idLength = header.getShort(); // client_id: a nullable string in every request header version
      String clientId = idLength < 0 ? null : new String(frame, header.position(), idLength, StandardCharsets.UTF_8);
      Held kind = heldKind;
      if (!holding && kind != null && apiKey == kind.apiKey && clientId != null && clientId.equals(heldClientId)) {
        holding = true;
        everHeld = true;
      }
      if (holding) {
        held.add(frame);
      } else {
        toBroker.write(frame);
        toBroker.flush();
        forwarded++;
      }
    }

    void clientToBroker() {
      try (DataInputStream in = new DataInputStream(client.getInputStream())) {
        while (true) {
          fromClient(readFrame(in));
        }
      } catch (IOException e) {
        // the client closed its connection (or the proxy closes)
      }
      closeQuietly(client);
      boolean keep;
      synchronized (this) {
        keep = everHeld; // its late requests must still reach the broker, and be answered
      }
      if (!keep) {
        closeQuietly(upstream);
      }
    }

    void brokerToClient() {
      boolean clientOpen = true;
      try (DataInputStream in = new DataInputStream(upstream.getInputStream())) {
        OutputStream out = client.getOutputStream();
        while (true) {
          byte[] frame = readFrame(in);
          answered.incrementAndGet();
          if (clientOpen) {
            try {
              out.write(frame);
              out.flush();
            } catch (IOException e) {
              clientOpen = false; // the answer to a late request: nobody waits for it any more
            }
          }
        }
      } catch (IOException e) {
        // the broker or the proxy closed the connection
      } finally {
        upstreamClosed = true;
        closeQuietly(client);
        links.remove(this);
      }
    }

    void close() {
      closeQuietly(client);
      closeQuietly(upstream);
    }
  }

  /** One size-prefixed frame, the size included. */
  private static byte[] readFrame(DataInputStream in) throws IOException {
    int size = in.readInt();
    if (size < 0) {
      throw new EOFException("bad frame size " + size);
    }
    byte[] frame = new byte[4 + size];
    ByteBuffer.wrap(frame).putInt(size);
    in.readFully(frame, 4, size);
    return frame;
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
    for (Link link : links) {
      link.close();
    }
    links.clear();
  }
}
