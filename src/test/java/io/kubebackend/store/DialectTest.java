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

  @Test
  void postgresStoresAnEscapedNulAsTheReplacementCharacter() {
    assertEquals("{\"k\":\"a\\ufffdb\"}", Dialect.POSTGRESQL.storableJson("{\"k\":\"a\\u0000b\"}"));
    // an escaped backslash followed by the text u0000 is no NUL and stays
    assertEquals("{\"k\":\"a\\\\u0000\"}", Dialect.POSTGRESQL.storableJson("{\"k\":\"a\\\\u0000\"}"));
    assertEquals("{\"k\":\"\\\\\\ufffd\"}", Dialect.POSTGRESQL.storableJson("{\"k\":\"\\\\\\u0000\"}"));
    assertEquals("{\"k\":\"a\\u0000b\"}", Dialect.SQLITE.storableJson("{\"k\":\"a\\u0000b\"}"));
  }

}
