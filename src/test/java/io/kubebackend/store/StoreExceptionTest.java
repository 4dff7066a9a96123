package io.kubebackend.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class StoreExceptionTest {
  @Test
  void classifiesBySqlState() {
    assertEquals(StoreException.Kind.CONFLICT, StoreException.classify(new SQLException("dup", "23505")));
    assertEquals(StoreException.Kind.RETRIABLE, StoreException.classify(new SQLException("gone", "08006")));
    assertEquals(StoreException.Kind.RETRIABLE, StoreException.classify(new SQLException("ser", "40001")));
    assertEquals(StoreException.Kind.RETRIABLE, StoreException.classify(new SQLException("busy", null, 5)));
    assertEquals(StoreException.Kind.RETRIABLE, StoreException.classify(new SQLException("busy", null, 517)));
    assertEquals(StoreException.Kind.CONFLICT, StoreException.classify(new SQLException("notnull", null, 1299)));
    assertEquals(StoreException.Kind.FATAL, StoreException.classify(new SQLException("syntax", "42601")));
    assertEquals(StoreException.Kind.FATAL, StoreException.classify(new SQLException("no state")));
  }
}
