package io.kubebackend.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.postgresql.util.ServerErrorMessage;

/** The classification of failures as the drivers and the pool really raise them. */
class StoreExceptionTest {
  @TempDir
  Path dir;

  private static StoreException.Kind kind(SQLException e) {
    return StoreException.of("testing", e).kind();
  }

  /** What PostgreSQL itself sends: severity, SQLSTATE and message fields of an ErrorResponse. */
  private static PSQLException serverError(String sqlState, String message) {
    return new PSQLException(new ServerErrorMessage("SERROR\0C" + sqlState + "\0M" + message + "\0"));
  }

  @Test
  void postgresRefusesContentOnlyWithClass22Or23() {
    assertEquals(StoreException.Kind.CONFLICT, kind(serverError("23505", "duplicate key value")));
    assertEquals(StoreException.Kind.CONFLICT, kind(serverError("23502", "null value in column")));
    assertEquals(StoreException.Kind.INVALID_DATA, kind(serverError("22P05", "unsupported Unicode escape sequence")));
    assertEquals(StoreException.Kind.INVALID_DATA, kind(serverError("22001", "value too long")));
    assertTrue(StoreException.of("x", serverError("22P02", "invalid input syntax")).refusedContent());
    assertEquals(StoreException.Kind.FATAL, kind(serverError("42P01", "relation \"objects\" does not exist")));
    assertEquals(StoreException.Kind.FATAL, kind(serverError("42601", "syntax error")));
  }

  @Test
  void postgresConnectionTransactionAndServerStateFailuresAreRetriable() {
    for (String state : new String[] {"08006", "08003", "57P01", "57P02", "57P03", "40001", "40P01", "53300",
        "55P03", "58030", "XX000"}) {
      assertEquals(StoreException.Kind.RETRIABLE, kind(serverError(state, "m")), state);
    }
    assertEquals(StoreException.Kind.RETRIABLE,
        kind(new PSQLException("An I/O error occurred while sending to the backend.", PSQLState.CONNECTION_FAILURE,
            new java.io.EOFException())));
    assertEquals(StoreException.Kind.RETRIABLE, kind(new PSQLException("unknown", PSQLState.UNKNOWN_STATE)));
  }

  @Test
  void aRefusedConnectionIsRetriable() {
    SQLException refused = assertThrows(SQLException.class,
        () -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=2"));
    assertEquals(StoreException.Kind.RETRIABLE, kind(refused));
  }

  /** The chaos run's failure: the pool's proxy of an evicted connection, which carries no SQLSTATE. */
  @Test
  void thePoolsClosedConnectionIsRetriable() throws Exception {
    HikariConfig cfg = new HikariConfig();
    cfg.setJdbcUrl("jdbc:sqlite:" + dir.resolve("closed.db"));
    try (HikariDataSource pool = new HikariDataSource(cfg)) {
      Connection c = pool.getConnection();
      c.setAutoCommit(false);
      c.close();
      SQLException closed = assertThrows(SQLException.class, c::rollback);
      assertEquals(null, closed.getSQLState(), "the pool gives no SQLSTATE: " + closed);
      assertEquals(StoreException.Kind.RETRIABLE, kind(closed));
    }
  }

  @Test
  void aRefusalThatAlsoLostTheConnectionIsRetriable() {
    PSQLException refused = serverError("23505", "duplicate key value");
    refused.addSuppressed(new SQLException("Connection is closed"));
    refused.addSuppressed(serverError("08006", "terminating connection"));
    assertEquals(StoreException.Kind.RETRIABLE, kind(refused));

    BatchUpdateException batch = new BatchUpdateException("Batch entry 0 was aborted", "23505", new int[0]);
    batch.setNextException(new PSQLException("An I/O error occurred", PSQLState.CONNECTION_FAILURE));
    assertEquals(StoreException.Kind.RETRIABLE, kind(batch));
  }

  @Test
  void aFailureWithoutAnyCodeIsRetriable() {
    assertEquals(StoreException.Kind.RETRIABLE, kind(new SQLException("no state, no code")));
  }

  @Test
  void sqliteRefusesContentWithConstraintTooBigAndMismatch() throws Exception {
    Properties limits = new Properties();
    limits.setProperty("limit_length", "1000");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:", limits);
         Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)");
      s.execute("INSERT INTO t VALUES (1, 'a')");
      assertEquals(StoreException.Kind.CONFLICT,
          kind(assertThrows(SQLException.class, () -> s.execute("INSERT INTO t VALUES (2, 'a')"))));
      assertEquals(StoreException.Kind.CONFLICT,
          kind(assertThrows(SQLException.class, () -> s.execute("INSERT INTO t VALUES (3, NULL)"))));
      assertEquals(StoreException.Kind.INVALID_DATA,
          kind(assertThrows(SQLException.class, () -> s.execute("INSERT INTO t VALUES ('x', 'b')"))));
      try (PreparedStatement tooLong = c.prepareStatement("INSERT INTO t VALUES (4, ?)")) {
        tooLong.setString(1, "x".repeat(2_000));
        assertEquals(StoreException.Kind.INVALID_DATA, kind(assertThrows(SQLException.class, tooLong::execute)));
      }
      assertEquals(StoreException.Kind.FATAL,
          kind(assertThrows(SQLException.class, () -> s.execute("SELECT * FROM missing"))));
    }
  }

  @Test
  void sqliteBusyAndClosedAreRetriable() throws Exception {
    String url = "jdbc:sqlite:" + dir.resolve("busy.db");
    try (Connection holder = DriverManager.getConnection(url);
         Statement h = holder.createStatement()) {
      h.execute("CREATE TABLE t (id INTEGER)");
      h.execute("BEGIN IMMEDIATE");
      Properties noWait = new Properties();
      noWait.setProperty("busy_timeout", "0");
      try (Connection other = DriverManager.getConnection(url, noWait); Statement o = other.createStatement()) {
        SQLException busy = assertThrows(SQLException.class, () -> o.execute("INSERT INTO t VALUES (1)"));
        assertEquals(StoreException.Kind.RETRIABLE, kind(busy), busy.toString());
      }
      h.execute("ROLLBACK");
    }
    Connection closed = DriverManager.getConnection(url);
    closed.close();
    assertEquals(StoreException.Kind.RETRIABLE, kind(assertThrows(SQLException.class, closed::createStatement)));
  }

  @Test
  void onlyContentRefusalsAreRefusedContent() {
    assertTrue(StoreException.of("x", serverError("23505", "dup")).refusedContent());
    assertFalse(StoreException.of("x", serverError("42601", "syntax")).refusedContent());
    assertFalse(StoreException.of("x", serverError("08006", "gone")).refusedContent());
    assertTrue(StoreException.of("x", serverError("08006", "gone")).retriable());
    assertFalse(StoreException.of("x", serverError("42601", "syntax")).retriable());
  }
}
