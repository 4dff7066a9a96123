package io.kubebackend.store;

import java.sql.SQLException;

/**
 * A database failure, classified once at the store boundary by SQLSTATE so callers never look at driver codes.
 */
public final class StoreException extends RuntimeException {

  public enum Kind {
    /** A unique or foreign key was violated. */
    CONFLICT,
    /** Connection lost, serialization failure, deadlock, SQLite busy: trying again may succeed. */
    RETRIABLE,
    /** Anything else: a bug or a broken schema. */
    FATAL
  }

  private final Kind kind;

  private StoreException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public boolean retriable() {
    return kind == Kind.RETRIABLE;
  }

  public static StoreException of(String what, SQLException e) {
    return new StoreException(classify(e), what + ": " + e.getMessage(), e);
  }

  static Kind classify(SQLException e) {
    String state = e.getSQLState();
    // SQLite (xerial) gives no SQLSTATE but SQLite result codes; the low byte is the primary code:
    // 5 SQLITE_BUSY and 6 SQLITE_LOCKED (another writer), 19 SQLITE_CONSTRAINT.
    int sqliteCode = e.getErrorCode() & 0xff;
    if (state == null && (sqliteCode == 5 || sqliteCode == 6)) {
      return Kind.RETRIABLE;
    }
    if (state == null && sqliteCode == 19) {
      return Kind.CONFLICT;
    }
    if (state == null) {
      return Kind.FATAL;
    }
    if (state.startsWith("23")) {
      return Kind.CONFLICT;
    }
    // 08 connection exception, 40001 serialization failure, 40P01 deadlock, 57P01 admin shutdown, 53 resources
    if (state.startsWith("08") || state.equals("40001") || state.equals("40P01") || state.startsWith("57P")
        || state.startsWith("53")) {
      return Kind.RETRIABLE;
    }
    return Kind.FATAL;
  }
}
