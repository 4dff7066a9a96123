package io.kubebackend.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.testing.TcpProxy;
import io.kubebackend.testing.TestDatabases;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostgresMirrorStoreIT extends AbstractMirrorStoreIT {
  @Override
  Database open() {
    return TestDatabases.fresh(Dialect.POSTGRESQL);
  }

  /** jsonb refuses text that is not JSON: a refusal of the content, reported without quoting the content. */
  @Test
  void anObjectTheDatabaseRefusesIsRefusedContentAndNotQuoted() {
    Change.Upsert broken = new Change.Upsert("c1", CM, "ns", "bad", "u1", "1", "{}", List.of(), null,
        "{\"data\":{\"password\":\"hunter2-secret\"", Change.Op.CREATE);
    StoreException e = assertThrows(StoreException.class, () -> store.apply(List.of(broken)));
    assertEquals(StoreException.Kind.INVALID_DATA, e.kind(), e.getMessage());
    StringBuilder everything = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      everything.append(t.getMessage()).append('\n');
      if (t instanceof java.sql.SQLException sql && sql.getNextException() != null) {
        everything.append(sql.getNextException().getMessage()).append('\n');
      }
    }
    assertFalse(everything.toString().contains("hunter2"), "the content is in the messages: " + everything);
  }

  /**
   * The connection is lost after COMMIT reached PostgreSQL and before its answer came back: the batch is committed,
   * but the store cannot know. The writer's retry of the same batch must not put its events in the outbox twice.
   */
  @Test
  void aCommitWhoseAnswerIsLostIsNotWrittenAgainByTheRetry() throws Exception {
    String url = TestDatabases.freshUrl(Dialect.POSTGRESQL);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("//127\\.0\\.0\\.1:(\\d+)/").matcher(url);
    assertTrue(m.find(), url);
    int port = Integer.parseInt(m.group(1));
    // prepareThreshold=0: no server-side prepared statements, so every COMMIT goes up as text the proxy can see.
    try (TcpProxy proxy = new TcpProxy(port);
         Database viaProxy = Database.open(url.replace(":" + port + "/", ":" + proxy.port() + "/")
             + "&prepareThreshold=0", null, null)) {
      SqlMirrorStore proxied = new SqlMirrorStore(viaProxy, java.time.Clock.systemUTC());
      List<Change> batch = List.of(upsert(CM, "ns", "a", "u1", "1", Change.Op.CREATE),
          upsert(CM, "ns", "a", "u1", "2", Change.Op.UPDATE), upsert(CM, "ns", "b", "u2", "3", Change.Op.CREATE));
      proxy.loseTheAnswerTo("COMMIT");
      StoreException lost = assertThrows(StoreException.class, () -> proxied.apply(batch));
      assertTrue(lost.retriable(), lost.getMessage());
      proxied.apply(batch);
      proxied.apply(List.of(upsert(CM, "ns", "b", "u2", "4", Change.Op.UPDATE)));
    }
    List<String> events = new java.util.ArrayList<>();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url);
         java.sql.ResultSet rs = c.createStatement().executeQuery(
             "SELECT op, uid, resource_version FROM events ORDER BY seq")) {
      while (rs.next()) {
        events.add(rs.getString(1) + ":" + rs.getString(2) + ":" + rs.getString(3));
      }
    }
    assertEquals(List.of("c:u1:1", "u:u1:2", "c:u2:3", "u:u2:4"), events);
  }
}
