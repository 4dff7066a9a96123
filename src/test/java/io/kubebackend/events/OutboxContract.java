package io.kubebackend.events;

import io.kubebackend.testing.MutableClock;
import static io.kubebackend.events.SyntheticChanges.delete;
import static io.kubebackend.events.SyntheticChanges.upsert;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubebackend.store.Change;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.SqlMirrorStore;
import io.kubebackend.testing.TestDatabases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox as the store writes it and the reader and pruner see it, without a cluster. Runs on SQLite as a unit
 * test ({@link OutboxSqliteTest}) and on the test PostgreSQL ({@link OutboxPostgresIT}).
 */
abstract class OutboxContract {
  private static final long T0 = 1_700_000_000_000L;
  private final Dialect dialect;
  private Database db;
  private MutableClock clock;
  private SqlMirrorStore store;
  private OutboxReader reader;

  private static JsonNode json(String text) {
    try {
      return new ObjectMapper().readTree(text);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  OutboxContract(Dialect dialect) {
    this.dialect = dialect;
  }

  @BeforeEach
  void open() {
    db = TestDatabases.fresh(dialect);
    clock = new MutableClock(T0);
    store = new SqlMirrorStore(db, clock);
    reader = new OutboxReader(db);
  }

  @AfterEach
  void close() {
    db.close();
  }

  private List<ChangeEvent> readAll(OutboxReader.Filter filter, int batchSize) {
    List<ChangeEvent> all = new ArrayList<>();
    long after = 0;
    while (true) {
      OutboxReader.Batch b = reader.readAfter(after, batchSize, filter);
      assertTrue(b.events().size() <= batchSize);
      all.addAll(b.events());
      if (b.nextAfter() == after) {
        return all;
      }
      after = b.nextAfter();
    }
  }

  @Test
  void everyObjectChangeAppendsOneEventInCommitOrder() {
    store.apply(List.of(upsert("c1", "ns", "a", "1", Change.Op.READ), upsert("c1", "ns", "b", "2", Change.Op.READ)));
    store.apply(List.of(upsert("c1", "ns", "a", "3", Change.Op.UPDATE), upsert("c1", "ns", "a", "4", Change.Op.UPDATE),
        delete("c1", "ns", "b", "5")));
    store.apply(List.of(upsert("c1", "ns", "c", "6", Change.Op.CREATE)));

    List<ChangeEvent> events = readAll(OutboxReader.Filter.ALL, 2);
    assertEquals(List.of("r a 1", "r b 2", "u a 3", "u a 4", "d b 5", "c c 6"),
        events.stream().map(e -> e.op().code + " " + e.name() + " " + e.resourceVersion()).toList());
    for (int i = 1; i < events.size(); i++) {
      assertTrue(events.get(i).seq() > events.get(i - 1).seq(), "seq strictly increasing");
    }
    ChangeEvent d = events.get(4);
    assertEquals("uid-b", d.uid());
    assertEquals("b", json(d.objectJson()).at("/metadata/name").asText(), "a delete carries the last object");
    assertEquals(T0, d.ts());
  }

  @Test
  void deleteOfAnObjectThatVanishedUnseenCarriesTheStoredRow() {
    store.apply(List.of(upsert("c1", "ns", "gone", "7", Change.Op.READ)));
    store.apply(List.of(new Change.Delete("c1", SyntheticChanges.CONFIGMAPS, "ns", "gone", null, null, null)));
    ChangeEvent d = readAll(OutboxReader.Filter.ALL, 100).getLast();
    assertEquals(Change.Op.DELETE, d.op());
    assertEquals("7", d.resourceVersion());
    assertEquals("uid-gone", d.uid());
    assertEquals("7", json(d.objectJson()).at("/data/rv").asText());
  }

  @Test
  void removingAResourceWritesADeleteForEachOfItsObjects() {
    store.apply(List.of(upsert("c1", "ns", "x", "1", Change.Op.READ), upsert("c1", "ns", "y", "2", Change.Op.READ),
        upsert("c2", "ns", "z", "3", Change.Op.READ)));
    store.apply(List.of(new Change.RemoveCluster("c1")));
    List<ChangeEvent> deletes = readAll(OutboxReader.Filter.ALL, 100).stream()
        .filter(e -> e.op() == Change.Op.DELETE).toList();
    assertEquals(List.of("x", "y"), deletes.stream().map(ChangeEvent::name).toList());
  }

  @Test
  void filtersSelectByClusterKindAndNamespaceAndReadsAdvancePastWhatTheyDrop() {
    store.apply(List.of(upsert("c1", "one", "a", "1", Change.Op.READ), upsert("c2", "one", "b", "2", Change.Op.READ),
        upsert("c1", "two", "c", "3", Change.Op.READ)));
    var filter = new OutboxReader.Filter("c1", null, "ConfigMap", null, "two");
    OutboxReader.Batch b = reader.readAfter(0, 10, filter);
    assertEquals(List.of("c"), b.events().stream().map(ChangeEvent::name).toList());
    assertEquals(b.head(), b.nextAfter(), "a partial batch examined everything up to the head");
    assertEquals(List.of(), reader.readAfter(0, 10, new OutboxReader.Filter(null, null, "Pod", null, null)).events());
    assertEquals(List.of("a", "b"), reader.readAfter(0, 10, new OutboxReader.Filter(null, null, null,
        "configmaps", "one")).events().stream().map(ChangeEvent::name).toList());
    assertEquals(List.of("b"), reader.readAfter(0, 10, new OutboxReader.Filter(null, null, null, null, "one", "b"))
        .events().stream().map(ChangeEvent::name).toList());
  }

  @Test
  void prunerDeletesOnlyOldDeliveredEventsAndMovesTheMarker() {
    store.apply(List.of(upsert("c1", "ns", "a", "1", Change.Op.READ)));
    clock.advance(10_000);
    store.apply(List.of(upsert("c1", "ns", "b", "2", Change.Op.READ)));
    clock.advance(10_000);
    store.apply(List.of(upsert("c1", "ns", "c", "3", Change.Op.READ)));
    List<ChangeEvent> all = readAll(OutboxReader.Filter.ALL, 100);
    long seqA = all.get(0).seq();
    long seqB = all.get(1).seq();

    clock.set(T0 + 25_000);
    // Retention 10 s: a and b are old enough, but the publisher has only delivered a.
    OutboxPruner pruner = new OutboxPruner(db, Duration.ofSeconds(10), () -> OptionalLong.of(seqA), clock);
    assertEquals(1, pruner.pruneOnce());
    assertEquals(seqA, reader.prunedThrough());
    assertTrue(reader.readAfter(0, 10, OutboxReader.Filter.ALL).gapAfter(0));
    assertFalse(reader.readAfter(seqA, 10, OutboxReader.Filter.ALL).gapAfter(seqA));
    assertEquals(List.of("b", "c"), readAll(OutboxReader.Filter.ALL, 100).stream().map(ChangeEvent::name).toList());

    // Without a publisher (embedded mode) retention alone decides; c is younger than 10 s and stays.
    OutboxPruner embedded = new OutboxPruner(db, Duration.ofSeconds(10), OptionalLong::empty, clock);
    assertEquals(1, embedded.pruneOnce());
    assertEquals(seqB, reader.prunedThrough());
    assertEquals(List.of("c"), readAll(OutboxReader.Filter.ALL, 100).stream().map(ChangeEvent::name).toList());
    assertEquals(0, embedded.pruneOnce());
  }

  @Test
  void prunerStopsAtTheFirstYoungEventSoTheMarkerStaysExact() {
    store.apply(List.of(upsert("c1", "ns", "old", "1", Change.Op.READ)));
    clock.advance(60_000);
    store.apply(List.of(upsert("c1", "ns", "young", "2", Change.Op.READ)));
    clock.advance(-60_000); // the clock stepped back: a later event with an older timestamp
    store.apply(List.of(upsert("c1", "ns", "stepped-back", "3", Change.Op.READ)));
    clock.set(T0 + 30_000);
    new OutboxPruner(db, Duration.ofSeconds(10), OptionalLong::empty, clock).pruneOnce();
    assertEquals(List.of("young", "stepped-back"),
        readAll(OutboxReader.Filter.ALL, 100).stream().map(ChangeEvent::name).toList());
  }

  @Test
  void prunerWorksInChunksThroughALargeOutbox() {
    int n = OutboxPruner.CHUNK * 2 + 17;
    List<Change> changes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      changes.add(upsert("c1", "ns", "o" + (i % 50), Integer.toString(i), Change.Op.UPDATE));
    }
    store.apply(changes);
    clock.advance(60_000);
    store.apply(List.of(upsert("c1", "ns", "last", "x", Change.Op.CREATE)));
    assertEquals(n, new OutboxPruner(db, Duration.ofSeconds(1), OptionalLong::empty, clock).pruneOnce());
    assertEquals(List.of("last"), readAll(OutboxReader.Filter.ALL, 1000).stream().map(ChangeEvent::name).toList());
    assertEquals(reader.head() - 1, reader.prunedThrough());
  }

  @Test
  void publisherProgressIsStoredPerDestinationAndNeverMovesBack() {
    SqlPublishProgress one = new SqlPublishProgress(db, "kafka:one", clock);
    SqlPublishProgress two = new SqlPublishProgress(db, "kafka:two", clock);
    assertEquals(0, one.position());
    one.markPublished(42);
    one.markPublished(17);
    assertEquals(42, one.position());
    assertEquals(0, two.position());
    two.markPublished(5);
    assertEquals(42, new SqlPublishProgress(db, "kafka:one", clock).position());
    assertEquals(5, two.position());
  }
}
