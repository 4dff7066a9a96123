package io.kubebackend.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** A pooled connection to PostgreSQL or SQLite with the schema migrated to the current version. */
public final class Database implements AutoCloseable {
  private final HikariDataSource pool;
  private final Dialect dialect;

  private Database(HikariDataSource pool, Dialect dialect) {
    this.pool = pool;
    this.dialect = dialect;
  }

  /**
   * Opens and migrates. {@code url} is a JDBC URL ({@code jdbc:postgresql://...} or {@code jdbc:sqlite:file.db});
   * user and password may be inside the URL or given separately (null if not).
   */
  public static Database open(String url, String user, String password) {
    Dialect dialect = Dialect.ofJdbcUrl(url);
    HikariConfig cfg = new HikariConfig();
    cfg.setJdbcUrl(url);
    if (user != null) {
      cfg.setUsername(user);
    }
    if (password != null) {
      cfg.setPassword(password);
    }
    cfg.setPoolName("kube-backend-" + dialect.name().toLowerCase());
    if (dialect == Dialect.SQLITE) {
      // WAL lets readers run beside the one writer; NORMAL sync is durable across process crashes in WAL mode.
      cfg.setMaximumPoolSize(4);
      cfg.addDataSourceProperty("journal_mode", "WAL");
      cfg.addDataSourceProperty("synchronous", "NORMAL");
      cfg.addDataSourceProperty("busy_timeout", "30000");
      cfg.addDataSourceProperty("foreign_keys", "true");
      cfg.setConnectionInitSql("PRAGMA journal_mode=WAL");
    } else {
      cfg.setMaximumPoolSize(12);
      cfg.addDataSourceProperty("reWriteBatchedInserts", "true");
      // Failures are logged; without this pgjdbc puts the statement's parameters (object content, possibly
      // secret) and the server's DETAIL (which quotes the refused value) into its exception messages.
      cfg.addDataSourceProperty("logServerErrorDetail", "false");
    }
    if (dialect == Dialect.POSTGRESQL) {
      probe(url, user, password);
    }
    HikariDataSource pool = new HikariDataSource(cfg);
    try {
      Flyway.configure().dataSource(pool).locations(dialect.migrationLocation()).load().migrate();
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
    return new Database(pool, dialect);
  }

  /**
   * Connects once without the pool, so that an unreachable or refusing server is one {@link StoreException} with
   * the driver's message (the pool would log its own stack trace first).
   */
  private static void probe(String url, String user, String password) {
    Properties credentials = new Properties();
    if (user != null) {
      credentials.setProperty("user", user);
    }
    if (password != null) {
      credentials.setProperty("password", password);
    }
    try (Connection c = DriverManager.getConnection(url, credentials)) {
      c.isValid(5);
    } catch (SQLException e) {
      throw StoreException.of("connecting", e);
    }
  }

  public Dialect dialect() {
    return dialect;
  }

  public DataSource dataSource() {
    return pool;
  }

  public Connection connection() throws SQLException {
    return pool.getConnection();
  }

  /**
   * Rolls back after {@code failure}. When the connection is gone the rollback fails too (the pool then says
   * "Connection is closed", without SQLSTATE); that must not replace the failure that says what went wrong and
   * decides whether to retry, so it is only added to it as suppressed.
   */
  public static void rollbackAfter(Connection c, Exception failure) {
    try {
      c.rollback();
    } catch (SQLException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
