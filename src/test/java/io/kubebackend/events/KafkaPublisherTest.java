package io.kubebackend.events;

import io.kubebackend.testing.Await;
import java.time.Duration;

import static io.kubebackend.events.SyntheticChanges.delete;
import static io.kubebackend.events.SyntheticChanges.upsert;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.store.Change;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.SqlMirrorStore;
import io.kubebackend.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The publisher's contract against Kafka's MockProducer (whose history holds committed records only), over a real
 * SQLite outbox: what is committed, and what each kind of failure leads to.
 */
class KafkaPublisherTest {
  private Database db;
  private SqlMirrorStore store;
  private OutboxReader reader;
  private SqlPublishProgress progress;
  private final OutboxSignal signal = new OutboxSignal();
  private final Deque<MockProducer<String, byte[]>> producers = new ArrayDeque<>();
  private final List<MockProducer<String, byte[]>> made = new java.util.concurrent.CopyOnWriteArrayList<>();
  private KafkaPublisher publisher;

  @BeforeEach
  void open() {
    db = TestDatabases.fresh(Dialect.SQLITE);
    store = new SqlMirrorStore(db, Clock.systemUTC());
    reader = new OutboxReader(db);
    progress = new SqlPublishProgress(db, "kafka:t", Clock.systemUTC());
  }

  @AfterEach
  void close() {
    if (publisher != null) {
      publisher.close();
    }
    db.close();
  }

  private static MockProducer<String, byte[]> mock(boolean autoComplete) {
    return new MockProducer<>(autoComplete, null, new StringSerializer(), new ByteArraySerializer());
  }

  private KafkaPublisher start() {
    Supplier<Producer<String, byte[]>> factory = () -> {
      MockProducer<String, byte[]> p = producers.isEmpty() ? mock(true) : producers.poll();
      made.add(p);
      return p;
    };
    publisher = new KafkaPublisher(reader, progress, factory, "t", signal, Clock.systemUTC(),
        new SimpleMeterRegistry()).start();
    return publisher;
  }

  private static void await(String what, BooleanSupplier condition) {
    Await.until(Duration.ofSeconds(20), what, condition::getAsBoolean);
  }


  private List<Long> outboxSeqs() {
    return reader.readAfter(0, 10, OutboxReader.Filter.ALL).events().stream().map(ChangeEvent::seq).toList();
  }

  /** A MockProducer that counts aborts and commit attempts and can fail the next commit once. */
  private static final class ScriptedProducer extends MockProducer<String, byte[]> {
    final AtomicInteger aborts = new AtomicInteger();
    final AtomicInteger commitAttempts = new AtomicInteger();
    private final AtomicReference<RuntimeException> nextCommitFailure = new AtomicReference<>();

    ScriptedProducer(boolean autoComplete) {
      super(autoComplete, null, new StringSerializer(), new ByteArraySerializer());
    }

    void failNextCommit(RuntimeException e) {
      nextCommitFailure.set(e);
    }

    @Override
    public void commitTransaction() {
      commitAttempts.incrementAndGet();
      RuntimeException failure = nextCommitFailure.getAndSet(null);
      if (failure != null) {
        throw failure;
      }
      super.commitTransaction();
    }

    @Override
    public void abortTransaction() {
      aborts.incrementAndGet();
      super.abortTransaction();
    }
  }

  private static long seq(ProducerRecord<String, byte[]> r) {
    return Long.parseLong(new String(r.headers().lastHeader(KafkaPublisher.SEQ_HEADER).value(),
        StandardCharsets.UTF_8));
  }

  @Test
  void publishesInSeqOrderKeyedByObjectWithSeqHeaderAndATombstoneAfterEachDelete() throws Exception {
    store.apply(List.of(upsert("c1", "ns", "a", "1", Change.Op.CREATE), upsert("c1", "ns", "a", "2", Change.Op.UPDATE),
        delete("c1", "ns", "a", "3"), upsert("c1", "", "b", "4", Change.Op.READ)));
    start();
    await("5 records", () -> !made.isEmpty() && made.getFirst().history().size() == 5);
    List<ProducerRecord<String, byte[]>> sent = made.getFirst().history();
    List<ChangeEvent> events = reader.readAfter(0, 10, OutboxReader.Filter.ALL).events();

    assertEquals("c1//configmaps/ns/a", sent.get(0).key());
    assertEquals("c1//configmaps//b", sent.get(4).key());
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(events.get(i).toJsonBytes(), sent.get(i).value());
      assertEquals(events.get(i).seq(), seq(sent.get(i)));
      assertEquals("t", sent.get(i).topic());
    }
    ProducerRecord<String, byte[]> tombstone = sent.get(3);
    assertEquals("c1//configmaps/ns/a", tombstone.key());
    assertNull(tombstone.value());
    assertEquals(events.get(2).seq(), seq(tombstone), "the tombstone carries the seq of its delete");
    assertEquals(Change.Op.READ, ChangeEvent.parse(new String(sent.get(4).value(), StandardCharsets.UTF_8)).op());
    assertTrue(made.getFirst().transactionInitialized() && made.getFirst().commitCount() >= 1,
        "the records were committed in a transaction (history holds committed records only)");

    long head = reader.head();
    await("the position stored", () -> progress.position() == head);
    // A later commit is published after the signal.
    store.apply(List.of(upsert("c1", "ns", "c", "5", Change.Op.CREATE)));
    signal.signal();
    await("the new event", () -> made.getFirst().history().size() == 6);
  }

  @Test
  void restartResumesAfterTheStoredPosition() throws Exception {
    store.apply(List.of(upsert("c1", "ns", "a", "1", Change.Op.READ), upsert("c1", "ns", "b", "2", Change.Op.READ),
        upsert("c1", "ns", "c", "3", Change.Op.READ)));
    List<ChangeEvent> events = reader.readAfter(0, 10, OutboxReader.Filter.ALL).events();
    progress.markPublished(events.get(1).seq());
    start();
    await("the position stored", () -> progress.position() == events.get(2).seq());
    assertEquals(List.of(events.get(2).seq()), made.getFirst().history().stream().map(KafkaPublisherTest::seq)
        .toList());
  }

  @Test
  void aFailedSendAbortsTheTransactionAndResendsEverythingAfterTheCommittedPosition() throws Exception {
    store.apply(List.of(upsert("c1", "ns", "a", "1", Change.Op.CREATE), upsert("c1", "ns", "b", "2", Change.Op.CREATE),
        upsert("c1", "ns", "c", "3", Change.Op.CREATE)));
    List<Long> seqs = outboxSeqs();
    ScriptedProducer failing = new ScriptedProducer(false);
    producers.add(failing);
    start();
    await("3 sends", () -> failing.uncommittedRecords().size() == 3);
    assertTrue(failing.completeNext());
    assertTrue(failing.errorNext(new org.apache.kafka.common.errors.NetworkException("broker gone")));
    await("the transaction aborted", () -> failing.aborts.get() == 1);
    await("the events resent and committed", () -> {
      failing.completeNext(); // acknowledges the resent records one by one
      return failing.history().size() == 3;
    });
    assertEquals(1, made.size(), "an abortable failure keeps the producer");
    assertEquals(seqs, failing.history().stream().map(KafkaPublisherTest::seq).toList(),
        "everything after the committed position again, same seqs, same order; nothing of the aborted attempt");
    await("the position stored", () -> progress.position() == seqs.getLast());
  }

  @Test
  void aCommitThatTimesOutIsRetriedNotAborted() throws Exception {
    store.apply(List.of(upsert("c1", "ns", "a", "1", Change.Op.CREATE),
        upsert("c1", "ns", "b", "2", Change.Op.CREATE)));
    List<Long> seqs = outboxSeqs();
    ScriptedProducer slow = new ScriptedProducer(true);
    slow.failNextCommit(new org.apache.kafka.common.errors.TimeoutException("commit not answered in time"));
    producers.add(slow);
    start();
    await("the position stored", () -> progress.position() == seqs.getLast());
    assertEquals(2, slow.commitAttempts.get(), "the timed-out commit was called again");
    assertEquals(0, slow.aborts.get(), "a commit that may still complete is never aborted");
    assertEquals(seqs, slow.history().stream().map(KafkaPublisherTest::seq).toList());
  }

  @Test
  void aProducerThatCannotAbortIsDiscardedAndANewOneResends() throws Exception {
    store.apply(List.of(upsert("c1", "ns", "a", "1", Change.Op.CREATE),
        upsert("c1", "ns", "b", "2", Change.Op.CREATE)));
    List<Long> seqs = outboxSeqs();
    ScriptedProducer broken = new ScriptedProducer(true);
    broken.failNextCommit(new KafkaException("a fatal producer error"));
    broken.abortTransactionException = new KafkaException("cannot abort: the producer is in a fatal state");
    producers.add(broken);
    start();
    await("the position stored", () -> progress.position() == seqs.getLast());
    assertEquals(2, made.size(), "a second producer");
    assertTrue(broken.closed());
    assertTrue(broken.history().isEmpty(), "nothing committed by the broken producer");
    assertTrue(made.get(1).transactionInitialized(), "the new producer initialized its transactions (fencing)");
    assertEquals(seqs, made.get(1).history().stream().map(KafkaPublisherTest::seq).toList());
  }

  @Test
  void aFencedPublisherStopsAndLeavesTheTopicToItsSuccessor() throws Exception {
    store.apply(List.of(upsert("c1", "ns", "a", "1", Change.Op.CREATE)));
    long first = reader.head();
    start();
    await("the first event committed", () -> publisher.acked() == first);
    made.getFirst().fenceProducer(); // as a successor's initTransactions with the same transactional.id does
    store.apply(List.of(upsert("c1", "ns", "b", "2", Change.Op.CREATE)));
    signal.signal();
    await("the publisher fenced", () -> publisher.fenced());
    publisher.close();
    assertEquals(1, made.size(), "a fenced publisher does not make a new producer (it would fence its successor)");
    assertEquals(1, made.getFirst().history().size());
    assertEquals(first, progress.position(), "the committed position is stored");
  }

  @Test
  void closeStoresTheAcknowledgedPosition() throws Exception {
    store.apply(List.of(upsert("c1", "ns", "a", "1", Change.Op.CREATE)));
    start();
    await("1 send", () -> !made.isEmpty() && made.getFirst().history().size() == 1);
    await("acknowledged", () -> publisher.acked() == reader.head());
    publisher.close();
    assertEquals(reader.head(), progress.position());
    assertTrue(made.getFirst().closed());
  }
}
