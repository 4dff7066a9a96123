package io.kubebackend.store;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * A database failure, classified once at the store boundary so callers never look at driver codes.
 *
 * <p>The classification errs towards {@link Kind#RETRIABLE}: a write that is retried needlessly costs a delay,
 * one that is given up needlessly is a change lost for good. Only a positive refusal of the content (SQLSTATE
 * class 22 or 23, SQLite's constraint, too-big and mismatch results) says that the same write will always fail.
 */
public final class StoreException extends RuntimeException {

  public enum Kind {
    /** SQLSTATE 23, SQLITE_CONSTRAINT: a unique or foreign key, not-null or check constraint refused the row. */
    CONFLICT,
    /** SQLSTATE 22, SQLITE_TOOBIG, SQLITE_MISMATCH: the database refused a value (bad text, too long, wrong type). */
    INVALID_DATA,
    /**
     * The statement cannot run at all: SQLSTATE 42 (syntax, undefined table or column), 0A (unsupported), SQLite's
     * generic error, misuse or bind range. A bug or a schema the code does not match; nothing a caller can fix.
     */
    FATAL,
    /**
     * Everything else: connection lost or refused, transaction rolled back (40), resources (53), operator
     * intervention (57), SQLite busy or I/O errors, and any failure whose class is unknown or missing.
     */
    RETRIABLE
  }

  private final Kind kind;

  private StoreException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /** Trying the same operation again may succeed (an API answers 503). */
  public boolean retriable() {
    return kind == Kind.RETRIABLE;
  }

  /** The database refused what was written: the same write fails every time, however often it is retried. */
  public boolean refusedContent() {
    return kind == Kind.CONFLICT || kind == Kind.INVALID_DATA;
  }

  public static StoreException of(String what, SQLException e) {
    return new StoreException(classify(e), what + ": " + e.getMessage(), e);
  }

  static Kind classify(SQLException e) {
    // A failure that involves the connection anywhere (the cause, a batch's next exception, a failed rollback
    // added as suppressed) leaves the outcome open: the server may never have seen the statement.
    if (involvesConnection(e)) {
      return Kind.RETRIABLE;
    }
    String state = e.getSQLState();
    if (state == null) {
      return classifySqlite(e.getErrorCode());
    }
    if (state.startsWith("23")) {
      return Kind.CONFLICT;
    }
    if (state.startsWith("22")) {
      return Kind.INVALID_DATA;
    }
    if (state.startsWith("42") || state.startsWith("0A")) {
      return Kind.FATAL;
    }
    return Kind.RETRIABLE;
  }

  /**
   * SQLite (xerial) gives no SQLSTATE but the SQLite result code, whose low byte is the primary code. Code 0 is no
   * SQLite result at all (e.g. the pool's "Connection is closed"), which is unknown and so retriable.
   */
  private static Kind classifySqlite(int errorCode) {
    return switch (errorCode & 0xff) {
      case 19 -> Kind.CONFLICT; // SQLITE_CONSTRAINT
      case 18, 20 -> Kind.INVALID_DATA; // SQLITE_TOOBIG, SQLITE_MISMATCH
      case 1, 21, 25 -> Kind.FATAL; // SQLITE_ERROR (SQL error, missing table), SQLITE_MISUSE, SQLITE_RANGE
      default -> Kind.RETRIABLE; // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, ... and unknown codes
    };
  }

  /** Whether any exception in the chain (causes, suppressed, a batch's next exceptions) is about the connection. */
  static boolean involvesConnection(Throwable failure) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<Throwable> todo = new ArrayDeque<>();
    todo.push(failure);
    while (!todo.isEmpty()) {
      Throwable t = todo.pop();
      if (!seen.add(t)) {
        continue;
      }
      if (isConnectionFailure(t)) {
        return true;
      }
      if (t.getCause() != null) {
        todo.push(t.getCause());
      }
      for (Throwable s : t.getSuppressed()) {
        todo.push(s);
      }
      if (t instanceof SQLException sql && sql.getNextException() != null) {
        todo.push(sql.getNextException());
      }
    }
    return false;
  }

  private static boolean isConnectionFailure(Throwable t) {
    if (t instanceof IOException || t instanceof SQLTransientException || t instanceof SQLRecoverableException
        || t instanceof SQLNonTransientConnectionException) {
      return true; // socket errors under pgjdbc; the pool's timeouts; the JDBC connection-failure subclasses
    }
    // 08 connection exception; 57P01-57P03 the server is shutting down, crashed or starting up
    return t instanceof SQLException sql && sql.getSQLState() != null
        && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"));
  }
}
