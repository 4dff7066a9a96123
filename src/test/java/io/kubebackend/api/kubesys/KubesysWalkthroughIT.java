package io.kubebackend.api.kubesys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.store.Dialect;
import io.kubebackend.testing.TestServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Runs the README's curl walk-through, exactly as written there, against a running backend. */
class KubesysWalkthroughIT {
  static final String START = "<!-- walkthrough:start -->";
  static final String END = "<!-- walkthrough:end -->";

  /** The bash block between the walk-through markers of README.md. */
  static String walkthrough() throws IOException {
    String readme = Files.readString(TestServers.repo().resolve("README.md"), StandardCharsets.UTF_8);
    int start = readme.indexOf(START);
    int end = readme.indexOf(END);
    assertTrue(start >= 0 && end > start, "README.md has the walk-through markers");
    String block = readme.substring(start + START.length(), end).strip();
    assertTrue(block.startsWith("```bash\n") && block.endsWith("```"), "one bash block between the markers");
    return block.substring("```bash\n".length(), block.length() - 3);
  }

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void theReadmeWalkthroughRuns(Dialect dialect) throws Exception {
    KubesysFixture f = KubesysFixture.shared(dialect);
    String ns = KubesysAsserts.unique("walkthrough");
    Path script = Files.createTempFile("walkthrough", ".sh");
    Files.writeString(script, walkthrough());
    Path output = Files.createTempFile("walkthrough", ".log");
    try {
      ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
          .redirectOutput(output.toFile());
      pb.environment().put("KB", f.http.base());
      pb.environment().put("KB_USER", "admin");
      pb.environment().put("KB_PASSWORD", KubesysFixture.ADMIN_PASSWORD);
      pb.environment().put("REGION", "cluster-1");
      pb.environment().put("NS", ns);
      Process p = pb.start();
      assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the walk-through finished");
      String out = Files.readString(output);
      System.out.println(out);
      assertEquals(0, p.exitValue(), out);
      assertTrue(out.contains("page 1 of 2 (3 pods):") && out.contains("page 2 of 2 (3 pods):"), out);
      assertTrue(out.contains("scaled to 1"), out);
      assertTrue(out.strip().endsWith("walk-through passed"), out);
      assertNull(f.cluster1.apps().deployments().inNamespace(ns).withName("web").get());
    } finally {
      f.cluster1.namespaces().withName(ns).delete();
      Files.deleteIfExists(script);
      Files.deleteIfExists(output);
    }
  }
}
