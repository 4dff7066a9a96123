package io.kubebackend.store;

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
    return this == POSTGRESQL ? Boolean.toString(b) : (b ? "1" : "0");
  }

  /** Expression selecting a JSON column as text. */
  public String jsonText(String column) {
    return this == POSTGRESQL ? column + "::text" : column;
  }
}
