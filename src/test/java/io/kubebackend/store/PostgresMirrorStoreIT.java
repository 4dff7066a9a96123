package io.kubebackend.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubebackend.testing.TestDatabases;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostgresMirrorStoreIT extends AbstractMirrorStoreIT {
  @Override
  Database open() {
    return TestDatabases.fresh(Dialect.POSTGRESQL);
  }

  /** jsonb refuses text that is not JSON: a refusal of the content, reported without quoting the content. */
  @Test
  void anObjectTheDatabaseRefusesIsRefusedContentAndNotQuoted() {
    Change.Upsert broken = new Change.Upsert("c1", CM, "ns", "bad", "u1", "1", "{}", List.of(), null,
        "{\"data\":{\"password\":\"hunter2-secret\"", Change.Op.CREATE);
    StoreException e = assertThrows(StoreException.class, () -> store.apply(List.of(broken)));
    assertEquals(StoreException.Kind.INVALID_DATA, e.kind(), e.getMessage());
    StringBuilder everything = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      everything.append(t.getMessage()).append('\n');
      if (t instanceof java.sql.SQLException sql && sql.getNextException() != null) {
        everything.append(sql.getNextException().getMessage()).append('\n');
      }
    }
    assertFalse(everything.toString().contains("hunter2"), "the content is in the messages: " + everything);
  }
}
