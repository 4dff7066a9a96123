package io.kubebackend.testing;

import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** A fresh, empty, migrated database per call: a new PostgreSQL database, or a new SQLite file. */
public final class TestDatabases {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private TestDatabases() {}

  /** A JDBC URL of a new empty database of the dialect (not yet migrated). */
  public static String freshUrl(Dialect dialect) {
    String name = "t" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    if (dialect == Dialect.SQLITE) {
      try {
        Path dir = Files.createTempDirectory("kb-sqlite");
        return "jdbc:sqlite:" + dir.resolve(name + ".db");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return freshPostgresUrl(TestServers.postgresUrl(), name);
  }

  /** A JDBC URL of a new empty database on the PostgreSQL server of {@code serverUrl} (not yet migrated). */
  public static String freshPostgresUrl(String serverUrl) {
    return freshPostgresUrl(serverUrl, "t" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet());
  }

  private static String freshPostgresUrl(String serverUrl, String name) {
    try (Connection c = DriverManager.getConnection(serverUrl); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database", e);
    }
    return serverUrl.replace("/kubebackend?", "/" + name + "?");
  }

  public static Database fresh(Dialect dialect) {
    return Database.open(freshUrl(dialect), null, null);
  }

  /** Drops a PostgreSQL database made by {@link #freshUrl}. */
  public static void drop(String url) throws java.sql.SQLException {
    String name = url.substring(url.lastIndexOf('/') + 1, url.indexOf('?'));
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(TestServers.postgresUrl());
         java.sql.Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name);
    }
  }
}
