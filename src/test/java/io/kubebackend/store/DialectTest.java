package io.kubebackend.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DialectTest {
  @Test
  void recognisesJdbcUrls() {
    assertEquals(Dialect.POSTGRESQL, Dialect.ofJdbcUrl("jdbc:postgresql://h:5432/db"));
    assertEquals(Dialect.SQLITE, Dialect.ofJdbcUrl("jdbc:sqlite:file.db"));
    assertThrows(IllegalArgumentException.class, () -> Dialect.ofJdbcUrl("jdbc:mysql://h/db"));
  }

  @Test
  void jsonParametersAreCastOnPostgresOnly() {
    assertEquals("CAST(? AS jsonb)", Dialect.POSTGRESQL.jsonParam());
    assertEquals("?", Dialect.SQLITE.jsonParam());
    assertEquals("object::text", Dialect.POSTGRESQL.jsonText("object"));
    assertEquals("object", Dialect.SQLITE.jsonText("object"));
  }
}
