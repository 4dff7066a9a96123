package io.kubebackend.events;

import static io.kubebackend.events.EventsTestBed.await;
import static io.kubebackend.events.SyntheticChanges.upsert;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.kubebackend.store.Change;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.SqlMirrorStore;
import io.kubebackend.testing.KafkaProxy;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/**
 * Kafka answers a commit only after the transaction's timeout has passed, as after an outage longer than the
 * timeout: by then the transaction coordinator has aborted the transaction and bumped the producer epoch. That is
 * not a takeover: the publisher must resend the events in a new transaction and go on, and each event must be
 * committed once.
 */
class TransactionTimeoutIT {
  private static final String CLUSTER = "c1";
  private static final String NS = "txn-timeout";
  private static final int OBJECTS = 3;
  private static final int VERSIONS = 3;
  /** Short, so that the coordinator aborts soon (it looks for timed-out transactions every 10 s by default). */
  private static final int TRANSACTION_TIMEOUT_MS = 2_000;

  @Test
  void aTransactionTheCoordinatorTimedOutIsResentAndThePublisherGoesOn() throws Exception {
    String topic = EventsTestBed.unique("kb-it-txn-timeout");
    try (Database db = TestDatabases.fresh(Dialect.SQLITE);
         TopicConsumer consumer = TopicConsumer.onNewTopic(topic);
         KafkaProxy proxy = KafkaProxy.start();
         Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
             TestServers.kafkaBootstrap()))) {
      Map<String, List<String>> written = new LinkedHashMap<>();
      List<Change> changes = new ArrayList<>();
      for (int v = 1; v <= VERSIONS; v++) {
        for (int i = 0; i < OBJECTS; i++) {
          String rv = Integer.toString(v * 100 + i);
          Change.Op op = v == 1 ? Change.Op.CREATE : Change.Op.UPDATE;
          changes.add(upsert(CLUSTER, NS, "o-" + i, rv, op));
          written.computeIfAbsent(CLUSTER + "//configmaps/" + NS + "/o-" + i, k -> new ArrayList<>())
              .add(op.code + " " + rv);
        }
      }
      new SqlMirrorStore(db, Clock.systemUTC()).apply(changes);
      OutboxReader reader = new OutboxReader(db);
      long head = reader.head();
      String transactionalId = KafkaPublisher.transactionalId(topic);

      proxy.hold(KafkaProxy.Held.END_TXN, "slow-commit");
      Map<String, Object> config = KafkaPublisher.publisherConfig(proxy.bootstrap(), topic, Map.of(
          ProducerConfig.CLIENT_ID_CONFIG, "slow-commit",
          ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Integer.toString(TRANSACTION_TIMEOUT_MS)));
      try (KafkaPublisher publisher = new KafkaPublisher(reader, new SqlPublishProgress(db, "kafka:" + topic,
          Clock.systemUTC()), KafkaPublisher.producers(config), topic, new OutboxSignal(), Clock.systemUTC(),
          new SimpleMeterRegistry()).start()) {
        await("the commit held on the wire", 60_000, () -> proxy.heldRequests() > 0);
        await("the coordinator aborted the timed-out transaction", 60_000,
            () -> state(admin, transactionalId) == TransactionState.COMPLETE_ABORT);

        proxy.release();
        await("every event committed", 60_000, () -> publisher.acked() == head || publisher.fenced());
        assertFalse(publisher.fenced(), "a timed-out transaction does not fence the publisher");
        consumer.awaitReadToCommittedEnd(60_000);
        Map<String, List<String>> committed = new LinkedHashMap<>();
        for (TopicConsumer.Received r : consumer.records()) {
          committed.computeIfAbsent(r.key(), k -> new ArrayList<>())
              .add(r.event().op().code + " " + r.event().resourceVersion());
        }
        assertEquals(written, committed, "per object, its changes in order, once each (the aborted ones invisible)");
      }
    }
  }

  private static TransactionState state(Admin admin, String transactionalId) {
    try {
      return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get().state();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("describing transaction " + transactionalId, e);
    }
  }
}
