package io.kubebackend.store;

import java.sql.Connection;
import java.sql.SQLException;

/** Every SQL difference between PostgreSQL and SQLite lives here. */
public enum Dialect {
  POSTGRESQL("db/migration/postgresql"),
  SQLITE("db/migration/sqlite");

  private final String migrations;

  Dialect(String migrations) {
    this.migrations = migrations;
  }

  public static Dialect ofJdbcUrl(String url) {
    if (url.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    if (url.startsWith("jdbc:sqlite:")) {
      return SQLITE;
    }
    throw new IllegalArgumentException("unsupported database URL (use jdbc:postgresql:... or jdbc:sqlite:...)");
  }

  public String migrationLocation() {
    return "classpath:" + migrations;
  }

  /** A bind parameter holding JSON text, as the column type wants it. */
  public String jsonParam() {
    return this == POSTGRESQL ? "CAST(? AS jsonb)" : "?";
  }


  /** A boolean literal for the boolean columns (SQLite stores 0/1). */
  public String bool(boolean b) {
    return this == POSTGRESQL ? (b ? "TRUE" : "FALSE") : (b ? "1" : "0");
  }

  /** Expression selecting a JSON column as text. */
  public String jsonText(String column) {
    return this == POSTGRESQL ? column + "::text" : column;
  }

  /**
   * Starts a read-only transaction on {@code c} in which several queries see one snapshot (a count and the page
   * it describes). SQLite in WAL mode gives a deferred transaction a snapshot at its first read.
   */
  public void beginSnapshotRead(Connection c) throws SQLException {
    c.setAutoCommit(false);
    if (this == POSTGRESQL) {
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
    }
  }

  /**
   * JSON text as this database can store it in a JSON column. PostgreSQL's jsonb cannot hold the NUL character,
   * which Kubernetes accepts in strings (a ConfigMap value may contain one): each escaped NUL ({@code \u0000})
   * becomes U+FFFD there, so such an object is stored instead of stalling the mirror. SQLite keeps the text as is.
   */
  public String storableJson(String json) {
    if (this != POSTGRESQL || json.indexOf("\\u0000") < 0) {
      return json;
    }
    StringBuilder out = new StringBuilder(json.length());
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c == '\\' && json.startsWith("u0000", i + 1)) {
        out.append("\\ufffd");
        i += 5;
      } else if (c == '\\' && i + 1 < json.length()) {
        out.append(c).append(json.charAt(++i)); // any other escape, e.g. \\\\, is copied whole
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
