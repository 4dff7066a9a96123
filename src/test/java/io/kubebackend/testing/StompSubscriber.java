package io.kubebackend.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.springframework.messaging.Message;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompDecoder;
import org.springframework.messaging.simp.stomp.StompEncoder;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.MessageBuilder;

/**
 * A STOMP 1.2 client over WebSocket, as a browser using RabbitMQ's Web-STOMP plugin is: the JDK's WebSocket for
 * the transport, Spring's STOMP encoder and decoder for the frames.
 */
public final class StompSubscriber implements AutoCloseable {
  /** A frame the broker sent: its command, headers and body. */
  public record Frame(StompCommand command, Map<String, List<String>> headers, String body) {}

  private final WebSocket socket;
  private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private final StompEncoder encoder = new StompEncoder();
  private int subscriptions;

  private StompSubscriber(String url) {
    StompDecoder decoder = new StompDecoder();
    StringBuilder partial = new StringBuilder();
    socket = HttpClient.newHttpClient().newWebSocketBuilder().subprotocols("v12.stomp")
        .buildAsync(URI.create(url), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
              ByteBuffer bytes = ByteBuffer.wrap(partial.toString().getBytes(StandardCharsets.UTF_8));
              partial.setLength(0);
              for (Message<byte[]> m : decoder.decode(bytes)) {
                StompHeaderAccessor h = StompHeaderAccessor.wrap(m);
                if (h.getCommand() != null) {
                  frames.add(new Frame(h.getCommand(), h.toNativeHeaderMap(),
                      new String(m.getPayload(), StandardCharsets.UTF_8)));
                }
              }
            }
            ws.request(1);
            return null;
          }

          @Override
          public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            frames.add(new Frame(StompCommand.ERROR, Map.of(), "WebSocket closed: " + code + " " + reason));
            return null;
          }

          @Override
          public void onError(WebSocket ws, Throwable error) {
            frames.add(new Frame(StompCommand.ERROR, Map.of(), "WebSocket failed: " + error));
          }
        }).join();
  }

  /** Connects and logs in; throws unless the broker answers CONNECTED. */
  public static StompSubscriber connect(String url, String login, String passcode) throws InterruptedException {
    StompSubscriber s = new StompSubscriber(url);
    StompHeaderAccessor connect = StompHeaderAccessor.create(StompCommand.CONNECT);
    connect.setAcceptVersion("1.2");
    connect.setHost("/");
    connect.setLogin(login);
    connect.setPasscode(passcode);
    connect.setHeartbeat(0, 0);
    s.send(connect, new byte[0]);
    Frame f = s.frames.poll(10, TimeUnit.SECONDS);
    if (f == null || f.command() != StompCommand.CONNECTED) {
      s.close();
      throw new IllegalStateException("STOMP CONNECT refused: " + f);
    }
    return s;
  }

  /** Subscribes to a destination ({@code /queue/pod}, {@code /exchange/x/#.pod}) with extra headers. */
  public void subscribe(String destination, Map<String, String> headers) {
    StompHeaderAccessor sub = StompHeaderAccessor.create(StompCommand.SUBSCRIBE);
    sub.setDestination(destination);
    sub.setSubscriptionId("sub-" + subscriptions++);
    sub.setAck("auto");
    headers.forEach(sub::setNativeHeader);
    send(sub, new byte[0]);
  }

  /** The next MESSAGE (or ERROR, which a test should see), or null after the timeout. */
  public Frame next(Duration timeout) throws InterruptedException {
    return frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void send(StompHeaderAccessor headers, byte[] body) {
    headers.setLeaveMutable(true);
    byte[] frame = encoder.encode(MessageBuilder.createMessage(body, headers.getMessageHeaders()));
    socket.sendText(new String(frame, StandardCharsets.UTF_8), true).join();
  }

  @Override
  public void close() {
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "").exceptionally(e -> null);
    socket.abort();
  }
}
