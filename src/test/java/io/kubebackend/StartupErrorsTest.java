package io.kubebackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} started as the operator starts it, in a JVM of its own, with a setting that cannot work: it exits
 * non-zero, and its last line on stderr says what is wrong and what to set, with no stack trace anywhere.
 */
class StartupErrorsTest {
  @TempDir
  Path dir;

  private record Exit(int code, List<String> stderr) {
    String lastLine() {
      return stderr.isEmpty() ? "" : stderr.getLast();
    }
  }

  private Exit serve(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "io.kubebackend.cli.Main", "serve", "--port", "0"));
    cmd.addAll(List.of(args));
    Path err = dir.resolve("stderr.txt");
    ProcessBuilder builder = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile());
    builder.environment().remove("KB_ADMIN_PASSWORD");
    builder.environment().remove("KB_DB_PASSWORD");
    builder.environment().putAll(env);
    Process p = builder.start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("serve did not stop: " + Files.readString(err));
    }
    return new Exit(p.exitValue(), Files.readAllLines(err, StandardCharsets.UTF_8));
  }

  private static void assertOneLineFailure(Exit exit, String expectedLastLine) {
    assertTrue(exit.code() != 0, "exit code " + exit.code());
    assertEquals(expectedLastLine, exit.lastLine(), String.join("\n", exit.stderr()));
    for (String line : exit.stderr()) {
      assertTrue(!line.startsWith("\tat ") && !line.contains("Exception"), "a stack trace: " + line);
    }
  }

  private String sqlite() {
    return "jdbc:sqlite:" + dir.resolve("kb.db");
  }

  @Test
  void aShortAdminPasswordSaysWhatToSet() throws Exception {
    Exit exit = serve(Map.of("KB_ADMIN_PASSWORD", "short"), "--db", sqlite());
    assertOneLineFailure(exit, "kube-backend: KB_ADMIN_PASSWORD (or auth.adminPassword), the first admin's"
        + " password, must have at least 8 characters");
  }

  @Test
  void aConfigurationFileWithAnUnknownFieldNamesTheFieldAndTheLine() throws Exception {
    Path yaml = dir.resolve("kb.yaml");
    Files.writeString(yaml, "http:\n  host: 127.0.0.1\n  prot: 8080\n");
    Exit exit = serve(Map.of(), "--config", yaml.toString(), "--db", sqlite());
    assertTrue(exit.code() != 0);
    assertTrue(exit.lastLine().startsWith("kube-backend: the configuration file " + yaml + " is not valid: http.prot:")
        && exit.lastLine().contains("Unrecognized field \"prot\""), exit.lastLine());
    assertOneLineFailure(exit, exit.lastLine());
  }

  @Test
  void aConfigurationValueTheRecordRefusesIsNamed() throws Exception {
    Path yaml = dir.resolve("kb.yaml");
    Files.writeString(yaml, "auth:\n  bcryptCost: 99\n");
    Exit exit = serve(Map.of(), "--config", yaml.toString(), "--db", sqlite());
    assertTrue(exit.lastLine().contains("auth.bcryptCost must be between 4 and 31"), exit.lastLine());
    assertOneLineFailure(exit, exit.lastLine());
  }

  @Test
  void aMissingConfigurationFileIsNamed() throws Exception {
    Path missing = dir.resolve("missing.yaml");
    assertOneLineFailure(serve(Map.of(), "--config", missing.toString()),
        "kube-backend: the configuration file " + missing + " does not exist");
  }

  @Test
  void aBadClusterIdIsNamed() throws Exception {
    Exit exit = serve(Map.of(), "--db", sqlite(), "--cluster", "Bad_Id=/etc/kubeconfig");
    assertOneLineFailure(exit, "kube-backend: --cluster Bad_Id=/etc/kubeconfig: cluster id must match"
        + " [a-z0-9]([-a-z0-9.]*[a-z0-9])? and be at most 63 characters, got: Bad_Id");
  }

  @Test
  void anUnreachableDatabaseIsOneLine() throws Exception {
    Exit exit = serve(Map.of(), "--db", "jdbc:postgresql://127.0.0.1:1/kb?user=kb&password=secret-pw");
    assertTrue(exit.lastLine().startsWith("kube-backend: cannot use the database Database[url=jdbc:postgresql://"
        + "127.0.0.1:1/kb?user=kb&password=***, user=null]: connecting: Connection to 127.0.0.1:1 refused"),
        exit.lastLine());
    assertTrue(exit.stderr().stream().noneMatch(l -> l.contains("secret-pw")), "the password is printed");
    assertOneLineFailure(exit, exit.lastLine());
  }

  @Test
  void aBadCredentialKeyIsNamed() throws Exception {
    Exit exit = serve(Map.of("KB_CREDENTIAL_KEY", "dG9vIHNob3J0"), "--db", sqlite());
    assertTrue(exit.lastLine().startsWith("kube-backend: KB_CREDENTIAL_KEY (or security.credentialKey) must be"),
        exit.lastLine());
    assertOneLineFailure(exit, exit.lastLine());
  }

  /** A serve on {@link #sqlite()} that got as far as listening (the caller stops it). */
  private Process startListening() throws IOException {
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "io.kubebackend.cli.Main", "serve", "--port", "0", "--db",
        sqlite());
    ProcessBuilder builder = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().put("KB_ADMIN_PASSWORD", "long-enough-password");
    builder.environment().remove("KB_CREDENTIAL_KEY");
    Process p = builder.start();
    var out = p.inputReader(StandardCharsets.UTF_8);
    String line;
    boolean listening = false;
    while (!listening && (line = out.readLine()) != null) {
      listening = line.startsWith("kube-backend listening on http://127.0.0.1:");
    }
    assertTrue(listening, "serve started");
    // Keep reading, so that the process never blocks on a full pipe.
    Thread.ofVirtual().start(() -> {
      try {
        while (out.readLine() != null) {
          // discard
        }
      } catch (IOException closed) {
        // the process ended
      }
    });
    return p;
  }

  /** Not a test of a failure: the same start with a good password gets as far as listening. */
  @Test
  @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aGoodAdminPasswordStarts() throws IOException, InterruptedException {
    Process p = startListening();
    p.destroy();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  @Test
  @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aSecondProcessOnOneSqliteFileRefusesToStart() throws Exception {
    Process first = startListening();
    try {
      Exit second = serve(Map.of("KB_ADMIN_PASSWORD", "long-enough-password"), "--db", sqlite());
      assertOneLineFailure(second, "kube-backend: another kube-backend (process " + first.pid() + ") uses the"
          + " SQLite database " + dir.resolve("kb.db") + "; SQLite serves one kube-backend process: stop that one,"
          + " or run several replicas on PostgreSQL");
    } finally {
      first.destroy();
      first.waitFor(30, TimeUnit.SECONDS);
    }
    // Once the first one is gone, the file is free again.
    Process third = startListening();
    third.destroy();
    third.waitFor(30, TimeUnit.SECONDS);
  }
}
