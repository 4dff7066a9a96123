package io.kubebackend.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.cluster.ResourceType;
import io.kubebackend.store.Change;
import io.kubebackend.store.MirrorStore;
import io.kubebackend.store.ObjectKey;
import io.kubebackend.store.StoreException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ChangeWriterTest {
  static final ResourceType CM = new ResourceType("", "v1", "configmaps", "ConfigMap", true);

  /** Records what it applied; refuses changes named "poison" for good and fails the first call as busy. */
  static class FussyStore implements MirrorStore {
    final List<String> applied = new ArrayList<>();
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public synchronized void apply(List<Change> changes) {
      if (calls.incrementAndGet() == 1) {
        throw StoreException.of("busy", new SQLException("database is locked", null, 5));
      }
      for (Change c : changes) {
        if (c instanceof Change.Upsert u && u.name().equals("poison")) {
          throw StoreException.of("refused", new SQLException("unsupported Unicode escape sequence", "22P05"));
        }
      }
      changes.forEach(c -> applied.add(((Change.Upsert) c).name()));
    }

    @Override
    public Map<String, String> resourceVersions(String cluster, ResourceType type) {
      return Map.of();
    }

    @Override
    public Optional<StoredObject> get(ObjectKey key) {
      return Optional.empty();
    }

    @Override
    public Map<String, String> uidVersions(String cluster) {
      return Map.of();
    }

    @Override
    public long count(String cluster) {
      return 0;
    }

    @Override
    public List<SyncStatusRow> syncStatus(String cluster) {
      return List.of();
    }
  }

  /** Fails its first calls the way a PostgreSQL restart does: the batch lost its connection, then the rollback. */
  static final class RestartingStore extends FussyStore {
    final int failures;

    RestartingStore(int failures) {
      this.failures = failures;
    }

    @Override
    public synchronized void apply(List<Change> changes) {
      if (calls.incrementAndGet() <= failures) {
        SQLException lost = new org.postgresql.util.PSQLException("An I/O error occurred while sending to the"
            + " backend.", org.postgresql.util.PSQLState.CONNECTION_FAILURE);
        lost.addSuppressed(new SQLException("Connection is closed"));
        throw StoreException.of("applying " + changes.size() + " changes", lost);
      }
      changes.forEach(c -> applied.add(((Change.Upsert) c).name()));
    }
  }

  /** A failure the store cannot classify (the pool's closed connection alone has no SQLSTATE). */
  static final class UnknownFailureStore extends FussyStore {
    @Override
    public synchronized void apply(List<Change> changes) {
      if (calls.incrementAndGet() <= 2) {
        throw StoreException.of("applying", new SQLException("Connection is closed"));
      }
      changes.forEach(c -> applied.add(((Change.Upsert) c).name()));
    }
  }

  static Change.Upsert upsert(String name) {
    return new Change.Upsert("c", CM, "ns", name, "uid-" + name, "1", "{}", List.of(), null, "{}",
        Change.Op.CREATE);
  }

  @Test
  void retriesBusyBatchesAndLeavesOutOnlyWhatTheDatabaseRefuses() throws Exception {
    FussyStore store = new FussyStore();
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    ChangeWriter writer = new ChangeWriter(store, 100, 10, metrics);
    try {
      for (String n : List.of("a", "b", "poison", "c")) {
        writer.submit(upsert(n));
      }
      assertTrue(writer.awaitWritten(10_000), "the writer went on past the refused change");
      writer.submit(upsert("d"));
      assertTrue(writer.awaitWritten(10_000));
    } finally {
      writer.close();
    }
    assertEquals(List.of("a", "b", "c", "d"), store.applied);
    assertEquals(1.0, metrics.get("kb.mirror.write.rejected").counter().count());
  }

  @Test
  void aLostConnectionWhoseRollbackFailsTooIsRetriedNotLeftOut() throws Exception {
    assertEverythingWrittenNothingRejected(new RestartingStore(3));
  }

  @Test
  void aFailureOfUnknownKindIsRetriedNotLeftOut() throws Exception {
    assertEverythingWrittenNothingRejected(new UnknownFailureStore());
  }

  private static void assertEverythingWrittenNothingRejected(FussyStore store) throws Exception {
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    ChangeWriter writer = new ChangeWriter(store, 100, 10, metrics);
    try {
      for (String n : List.of("a", "b", "c")) {
        writer.submit(upsert(n));
      }
      assertTrue(writer.awaitWritten(20_000), "written after the database came back");
    } finally {
      writer.close();
    }
    assertEquals(List.of("a", "b", "c"), store.applied);
    assertEquals(0.0, metrics.get("kb.mirror.write.rejected").counter().count());
  }
}
