package io.kubebackend.events;

import static io.kubebackend.events.EventsTestBed.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.store.Database;
import io.kubebackend.store.Dialect;
import io.kubebackend.events.ReplicaProbe.Lease;
import io.kubebackend.testing.BackendProcess;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestDatabases;
import io.kubebackend.testing.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Several replicas on one PostgreSQL, as separate processes: one owner per cluster, a takeover after {@code kill -9}
 * that loses nothing, a frozen former owner that writes nothing after its lease was taken, a clean stop that hands
 * over without a duplicate event, a logout and login failures seen by every replica, and read-your-writes through
 * a replica that does not mirror the cluster. One scenario: it is heavy, so it runs once.
 * The test's oracle is its own: lease rows and outbox rows read with SQL, objects listed from the apiservers.
 */
class ReplicaFailoverIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final List<String> CLUSTERS = List.of("ha-1", "ha-2");
  private static final int OBJECTS = 8;

  @Test
  void replicasShareTheClustersAndATakeoverLosesNothing() throws Exception {
    String ns = EventsTestBed.unique("ha");
    String topic = EventsTestBed.unique("kb-it-ha");
    String dbUrl = TestDatabases.freshUrl(Dialect.POSTGRESQL);
    Path config = writeConfig(dbUrl, topic);
    Map<String, KubernetesClient> kubes = new LinkedHashMap<>();
    for (int i = 0; i < CLUSTERS.size(); i++) {
      kubes.put(CLUSTERS.get(i), ClusterClients.connect(ClusterSpec.fromKubeconfig("cluster-" + (i + 1),
          TestServers.kubeconfig(i + 1).toString(), null)));
    }
    Map<String, BackendProcess> replicas = new LinkedHashMap<>();
    ReplicaProbe.Churn churn = null;
    try (Database db = Database.open(dbUrl, null, null); TopicConsumer consumer = TopicConsumer.onNewTopic(topic)) {
      for (KubernetesClient kube : kubes.values()) {
        EventsTestBed.createNamespace(kube, ns);
        for (int i = 0; i < OBJECTS; i++) {
          EventsTestBed.createConfigMap(kube, ns, "cm-" + i);
        }
      }
      for (String id : List.of("r1", "r2", "r3")) {
        replicas.put(id, BackendProcess.start(config, "replica-" + id, "--replica-id", id));
      }
      Map<String, Integer> ports = new HashMap<>();
      for (var r : replicas.entrySet()) {
        ports.put(r.getKey(), r.getValue().awaitPort(90_000));
      }
      churn = new ReplicaProbe.Churn(List.copyOf(kubes.values()), ns, OBJECTS, 40);

      // One owner per cluster, the same seen from every replica.
      await("each cluster owned by one live replica", 60_000, () -> CLUSTERS.stream()
          .allMatch(c -> lease(db, c) != null && !lease(db, c).expired() && replicas.containsKey(lease(db, c).owner())));
      String admin = RunningBackend.login(ports.get("r1"), "admin", RunningBackend.ADMIN_PASSWORD);
      for (var r : ports.entrySet()) {
        JsonNode view = get(r.getValue(), "/api/v1/replicas", admin);
        assertEquals(3, view.path("replicas").size(), view.toString());
        List<String> owned = new ArrayList<>();
        view.path("replicas").forEach(x -> x.path("clusters").forEach(c -> owned.add(c.asText())));
        assertEquals(CLUSTERS, owned.stream().sorted().toList(), "replica " + r.getKey() + ": " + view);
        JsonNode clusters = get(r.getValue(), "/api/v1/clusters", admin);
        for (JsonNode c : clusters) {
          assertEquals(lease(db, c.path("id").asText()).owner(), c.path("mirroredBy").asText(), clusters.toString());
        }
      }
      awaitEqual(db, kubes, ns, "the database equal to the clusters with three replicas");

      // kill -9 of the owner of ha-1 under churn.
      Lease before = lease(db, "ha-1");
      long killedAt = System.nanoTime();
      replicas.remove(before.owner()).kill();
      ports.remove(before.owner());
      await("ha-1 taken over", 60_000, () -> {
        Lease now = lease(db, "ha-1");
        return now.epoch() > before.epoch() && !now.owner().equals(before.owner());
      });
      long takeoverMs = (System.nanoTime() - killedAt) / 1_000_000;
      awaitEqual(db, kubes, ns, "the database equal to the clusters after the kill");
      long equalMs = (System.nanoTime() - killedAt) / 1_000_000;
      System.out.println("kill -9 of " + before.owner() + " (owner of ha-1): taken over after " + takeoverMs
          + " ms; database equal to the clusters " + equalMs + " ms after the kill (" + churn.updates() + " updates)");

      // SIGSTOP of the owner of ha-2 past its lease, then SIGCONT: nothing it writes afterwards gets in.
      Lease frozen = lease(db, "ha-2");
      BackendProcess frozenReplica = replicas.get(frozen.owner());
      frozenReplica.freeze();
      long takenHead;
      try {
        await("ha-2 taken over from the frozen " + frozen.owner(), 60_000,
            () -> lease(db, "ha-2").epoch() > frozen.epoch());
        takenHead = head(db);
      } finally {
        frozenReplica.thaw();
      }
      int before2 = churn.updates();
      ReplicaProbe.Churn running = churn;
      await("updates after the thaw", 30_000, () -> running.updates() > before2 + 50);
      assertEquals(0, count(db, "SELECT count(*) FROM events WHERE cluster = ? AND epoch = ? AND seq > ?", "ha-2",
          frozen.epoch(), takenHead), "events written under the frozen replica's stale epoch after the takeover");
      assertEquals(0, count(db, "SELECT count(*) FROM objects WHERE cluster = ? AND epoch = ? AND seq > ?", "ha-2",
          frozen.epoch(), takenHead), "rows written under the stale epoch after the takeover");
      assertTrue(count(db, "SELECT count(*) FROM events WHERE cluster = ? AND epoch > ? AND seq > ?", "ha-2",
          frozen.epoch(), takenHead) > 0, "the new owner writes ha-2's changes");
      awaitEqual(db, kubes, ns, "the database equal to the clusters after the freeze");

      // Quiet, then a clean stop of a replica that owns a cluster: handed over, no event written again.
      churn.close();
      awaitEqual(db, kubes, ns, "the database equal to the clusters at rest");
      Thread.sleep(2_000);
      long quietHead = head(db);
      Lease handed = lease(db, "ha-1");
      BackendProcess stopping = replicas.remove(handed.owner());
      ports.remove(handed.owner());
      long stoppedAt = System.nanoTime();
      stopping.close();
      await("ha-1 handed over", 30_000, () -> lease(db, "ha-1").epoch() > handed.epoch());
      long handoverMs = (System.nanoTime() - stoppedAt) / 1_000_000;
      Thread.sleep(3_000); // the new owner's sync compares every row with the apiserver
      assertEquals(0, count(db, "SELECT count(*) FROM events WHERE cluster = ? AND seq > ?", "ha-1", quietHead),
          "a clean handover of an unchanged cluster writes no event");
      System.out.println("clean stop of " + handed.owner() + ": ha-1 taken over " + handoverMs + " ms later");

      // Every committed event reached Kafka, each object's in order (eventsByKey asserts the order).
      long head = head(db);
      await("Kafka has the outbox up to " + head, 90_000,
          () -> consumer.records().stream().anyMatch(r -> r.seq() >= head));
      Set<Long> published = new HashSet<>();
      consumer.eventsByKey(e -> true).values().forEach(l -> l.forEach(e -> published.add(e.seq())));
      List<Long> missing = seqs(db, head).stream().filter(s -> !published.contains(s)).toList();
      assertEquals(List.of(), missing, "committed events missing from Kafka");

      // A logout on one replica holds on every other at once.
      List<Integer> left = List.copyOf(ports.values());
      assertTrue(left.size() >= 1);
      int a = left.getFirst();
      BackendProcess extra = BackendProcess.start(config, "replica-r4", "--replica-id", "r4");
      replicas.put("r4", extra);
      int b = extra.awaitPort(90_000);
      String token = RunningBackend.login(a, "admin", RunningBackend.ADMIN_PASSWORD);
      assertEquals(200, status(b, "/api/v1/clusters", token));
      HttpResponse<String> out = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a
          + "/kubesys/system/logout")).header("Authorization", "Bearer " + token).header("user", "admin")
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, out.statusCode(), out.body());
      assertEquals(401, status(b, "/api/v1/clusters", token), "a token logged out on another replica");
      await("each cluster owned once more after r4 joined", 30_000, () -> CLUSTERS.stream()
          .allMatch(c -> !lease(db, c).expired() && replicas.containsKey(lease(db, c).owner())));

      // Read-your-writes across replicas: a patch sent to a replica that does not mirror the cluster answers once
      // the owner has stored it, so a read right after it, from yet another replica's database view, shows it.
      String writer = null;
      String owner = lease(db, "ha-1").owner();
      for (String id : replicas.keySet()) {
        if (!id.equals(owner)) {
          writer = id;
        }
      }
      assertNotNull(writer, "a replica that does not own ha-1");
      int writerPort = writer.equals("r4") ? b : a;
      int readerPort = writer.equals("r4") ? a : b;
      String fresh = RunningBackend.login(writerPort, "admin", RunningBackend.ADMIN_PASSWORD);
      String path = "/api/v1/clusters/ha-1/api/v1/namespaces/" + ns + "/configmaps/cm-0";
      for (int i = 0; i < 10; i++) {
        HttpResponse<String> patched = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + writerPort
                + path)).header("Authorization", "Bearer " + fresh).header("Content-Type",
                "application/merge-patch+json").method("PATCH", HttpRequest.BodyPublishers.ofString(
                "{\"data\":{\"ryw\":\"" + i + "\"}}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, patched.statusCode(), patched.body());
        String version = JSON.readTree(patched.body()).path("metadata").path("resourceVersion").asText();
        for (int port : List.of(writerPort, readerPort)) {
          JsonNode read = get(port, path, fresh);
          assertEquals(version, read.path("metadata").path("resourceVersion").asText(),
              "read right after a write through " + writer + " (ha-1 mirrored by " + owner + ")");
          assertEquals(String.valueOf(i), read.path("data").path("ryw").asText());
        }
      }

      // Login rate limits are shared: failed logins spread over two replicas count against one limit.
      String guessed = EventsTestBed.unique("nobody");
      int failures = 0;
      for (int i = 0; i < 10; i++) {
        assertEquals(401, loginStatus(i % 2 == 0 ? a : b, guessed, "wrong-" + i), "failed login " + i);
        failures++;
      }
      assertEquals(429, loginStatus(a, guessed, "wrong"), "after " + failures + " failures over two replicas");
      assertEquals(429, loginStatus(b, guessed, "wrong"), "after " + failures + " failures over two replicas");
    } finally {
      if (churn != null) {
        churn.close();
      }
      for (BackendProcess r : replicas.values()) {
        r.close();
      }
      for (KubernetesClient kube : kubes.values()) {
        EventsTestBed.deleteNamespace(kube, ns);
        kube.close();
      }
    }
  }

  private static Lease lease(Database db, String cluster) {
    return ReplicaProbe.lease(db, cluster);
  }

  private static void awaitEqual(Database db, Map<String, KubernetesClient> kubes, String ns, String what)
      throws InterruptedException {
    ReplicaProbe.awaitEqual(db, kubes, ns, what, 90_000);
  }

  private static long head(Database db) {
    return count(db, "SELECT COALESCE(MAX(seq), 0) FROM events");
  }

  private static long count(Database db, String sql, Object... args) {
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<Long> seqs(Database db, long head) {
    List<Long> out = new ArrayList<>();
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(
        "SELECT seq FROM events WHERE seq <= ? ORDER BY seq")) {
      ps.setLong(1, head);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getLong(1));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static JsonNode get(int port, String path, String token) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private static int loginStatus(int port, String user, String password) throws Exception {
    String body = JSON.writeValueAsString(Map.of("kind", "User", "data", Map.of("name", user, "password",
        java.util.Base64.getEncoder().encodeToString(password.getBytes(java.nio.charset.StandardCharsets.UTF_8)))));
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/kubesys/system/login"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static int status(int port, String path, String token) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static Path writeConfig(String dbUrl, String topic) throws Exception {
    Path file = Files.createTempFile("kb-ha", ".yaml");
    List<String> lines = new ArrayList<>(List.of(
        "http: {host: 127.0.0.1, port: 0, tlsPort: -1}",
        "database: {url: '" + dbUrl + "'}",
        "clusters:"));
    for (int i = 0; i < CLUSTERS.size(); i++) {
      lines.add("  - id: " + CLUSTERS.get(i));
      lines.add("    kubeconfig: '" + TestServers.kubeconfig(i + 1) + "'");
      lines.add("    include: [configmaps]");
    }
    lines.addAll(List.of(
        "kafka: {bootstrap: '" + TestServers.kafkaBootstrap() + "', topic: '" + topic + "'}",
        // One key for all replicas (each must read the clusters registered on another).
        "security: {credentialKey: '" + Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32)) + "'}",
        "auth: {adminPassword: '" + RunningBackend.ADMIN_PASSWORD + "', bcryptCost: 4}",
        ""));
    Files.writeString(file, String.join("\n", lines), StandardCharsets.UTF_8);
    return file;
  }
}
