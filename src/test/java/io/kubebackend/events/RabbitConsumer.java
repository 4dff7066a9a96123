package io.kubebackend.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.kubebackend.testing.TestServers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A test consumer of a kube-backend exchange: a durable queue of its own bound with {@code #} (so messages wait in
 * it through a broker restart), read with automatic acks into a list. {@link #reconnect} after the broker came
 * back.
 */
final class RabbitConsumer implements AutoCloseable {
  /** One message: its routing key, the {@code kb-seq} header and the event it carries. */
  record Received(String routingKey, long seq, ChangeEvent event, byte[] body) {}

  private final String exchange;
  private final String queue;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private Connection connection;

  private RabbitConsumer(String exchange) {
    this.exchange = exchange;
    this.queue = "test-" + exchange;
  }

  static RabbitConsumer on(String exchange) throws Exception {
    RabbitConsumer c = new RabbitConsumer(exchange);
    c.reconnect();
    return c;
  }

  static ConnectionFactory factory() {
    ConnectionFactory f = new ConnectionFactory();
    f.setHost("127.0.0.1");
    f.setPort(TestServers.rabbitMq().amqpPort());
    f.setAutomaticRecoveryEnabled(false);
    return f;
  }

  synchronized void reconnect() throws Exception {
    if (connection != null && connection.isOpen()) {
      connection.abort();
    }
    connection = factory().newConnection("kube-backend-test");
    Channel ch = connection.createChannel();
    ch.exchangeDeclare(exchange, BuiltinExchangeType.TOPIC, true);
    ch.queueDeclare(queue, true, false, false, Map.of());
    ch.queueBind(queue, exchange, "#");
    ch.basicConsume(queue, true, (tag, m) -> {
      Object seq = m.getProperties().getHeaders().get(RabbitPublisher.SEQ_HEADER);
      received.add(new Received(m.getEnvelope().getRoutingKey(), Long.parseLong(seq.toString()),
          ChangeEvent.parse(new String(m.getBody(), java.nio.charset.StandardCharsets.UTF_8)), m.getBody()));
    }, tag -> { });
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  /**
   * Every event per object, duplicates dropped as a consumer drops them (a message whose seq is not above the last
   * one of its object). Asserts that a duplicate is the same seq with the same bytes.
   */
  Map<String, List<ChangeEvent>> eventsByObject(Predicate<ChangeEvent> which) {
    Map<Long, byte[]> first = new HashMap<>();
    Map<String, List<ChangeEvent>> out = new LinkedHashMap<>();
    Map<String, Long> last = new HashMap<>();
    for (Received r : received) {
      byte[] seen = first.putIfAbsent(r.seq(), r.body());
      if (seen != null) {
        assertArrayEquals(seen, r.body(), "a duplicate of seq " + r.seq() + " is the same event");
      }
      if (!which.test(r.event())) {
        continue;
      }
      String key = r.event().key().toString();
      Long before = last.get(key);
      if (before != null && r.seq() <= before) {
        assertTrue(seen != null, "a message of " + key + " behind its last one is a resent duplicate");
        continue;
      }
      last.put(key, r.seq());
      out.computeIfAbsent(key, k -> new ArrayList<>()).add(r.event());
    }
    return out;
  }

  @Override
  public synchronized void close() throws Exception {
    try (Connection c = factory().newConnection(); Channel ch = c.createChannel()) {
      ch.queueDelete(queue);
      ch.exchangeDelete(exchange);
    } catch (Exception e) {
      // the broker may be down at the end of a failed test
    }
    if (connection != null) {
      connection.abort();
    }
  }
}
