package io.kubebackend.testing;

import java.util.Map;

/**
 * A PostgreSQL server of one test's own, for tests that crash it. Started through {@code scripts/postgres.sh} on
 * the port after the shared server's and with its own state directory under {@code .run/}, so the shared server
 * every other integration test of the JVM uses is never touched.
 */
public final class PrivatePostgres implements AutoCloseable {
  private final Map<String, String> env;
  private final String url;

  private PrivatePostgres(Map<String, String> env) {
    this.env = env;
    String out = TestServers.run(env, "scripts/postgres.sh", "start").strip();
    this.url = out.substring(out.lastIndexOf('\n') + 1);
  }

  /** Starts (initialising on first use) the private server called {@code name}. */
  public static PrivatePostgres start(String name) {
    String shared = System.getenv("KB_PG_PORT");
    int port = (shared != null ? Integer.parseInt(shared) : 15432) + 1;
    return new PrivatePostgres(Map.of("KB_PG_PORT", Integer.toString(port),
        "KB_RUN_DIR", TestServers.repo().resolve(".run/private-" + name).toString()));
  }

  /** JDBC URL of its database {@code kubebackend}. */
  public String url() {
    return url;
  }

  /**
   * Crashes the server (immediate shutdown: every connection cut, no checkpoint) and starts it again; returns
   * once it accepts connections after crash recovery.
   */
  public void crashAndRestart() {
    TestServers.run(env, "scripts/postgres.sh", "restart-immediate");
  }

  @Override
  public void close() {
    TestServers.run(env, "scripts/postgres.sh", "stop");
  }
}
