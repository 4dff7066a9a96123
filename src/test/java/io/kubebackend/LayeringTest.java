package io.kubebackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering of the README's Architecture section, checked on the source text of {@code src/main}: which stage
 * may use which, and no cycle between packages. A package is the first segment under {@code io.kubebackend}
 * ({@code api.kubesys} counts as {@code api}); {@code (root)} holds the wiring ({@code KubeBackend}). Every mention
 * of another package counts, imports and fully qualified names alike.
 */
class LayeringTest {
  /** Who may use whom. Anything not listed here is a layering error. */
  static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
      Map.entry("retry", Set.of()),
      Map.entry("cluster", Set.of("retry")),
      Map.entry("config", Set.of("cluster")),
      Map.entry("store", Set.of("cluster", "retry")),
      Map.entry("mirror", Set.of("cluster", "store", "retry")),
      Map.entry("events", Set.of("cluster", "config", "store", "retry")),
      Map.entry("auth", Set.of("cluster", "config", "store")),
      Map.entry("query", Set.of("cluster", "store")),
      Map.entry("write", Set.of("cluster", "store")),
      Map.entry("api", Set.of("cluster", "config", "store", "mirror", "events", "auth", "query", "write")),
      Map.entry("(root)", Set.of("cluster", "config", "store", "mirror", "events", "auth", "query", "write", "api")),
      Map.entry("bench", Set.of("(root)", "cluster", "config", "store", "mirror", "events", "retry")),
      Map.entry("cli", Set.of("(root)", "bench", "cluster", "config", "store")));

  private static final Pattern MENTION = Pattern.compile("\\bio\\.kubebackend\\.([A-Za-z]\\w*)");

  /** {@code package -> packages it mentions}, from the sources. */
  static Map<String, Set<String>> dependencies() throws IOException {
    Path root = Path.of("src/main/java/io/kubebackend");
    Map<String, Set<String>> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Path rel = root.relativize(f);
        String pkg = rel.getNameCount() == 1 ? "(root)" : rel.getName(0).toString();
        Set<String> deps = out.computeIfAbsent(pkg, k -> new TreeSet<>());
        for (String line : Files.readAllLines(f)) {
          if (line.startsWith("package ")) {
            continue;
          }
          Matcher m = MENTION.matcher(line);
          while (m.find()) {
            // A class of the root package (io.kubebackend.KubeBackend) starts with a capital letter.
            String used = Character.isUpperCase(m.group(1).charAt(0)) ? "(root)" : m.group(1);
            if (!used.equals(pkg)) {
              deps.add(used);
            }
          }
        }
      }
    }
    return out;
  }

  @Test
  void everyPackageUsesOnlyTheStagesBelowIt() throws IOException {
    List<String> wrong = new ArrayList<>();
    dependencies().forEach((pkg, deps) -> {
      Set<String> allowed = ALLOWED.get(pkg);
      if (allowed == null) {
        wrong.add(pkg + " is not in the layering (add it to the README and here)");
        return;
      }
      for (String d : deps) {
        if (!allowed.contains(d)) {
          wrong.add(pkg + " -> " + d);
        }
      }
    });
    assertEquals(List.of(), wrong, "imports that break the layering");
  }

  @Test
  void noPackagesImportEachOtherEvenAroundACycle() throws IOException {
    Map<String, Set<String>> deps = dependencies();
    for (String start : deps.keySet()) {
      List<String> cycle = cycleFrom(start, start, deps, new ArrayList<>(List.of(start)), new TreeSet<>());
      assertTrue(cycle.isEmpty(), "a cycle: " + String.join(" -> ", cycle));
    }
  }

  private static List<String> cycleFrom(String start, String at, Map<String, Set<String>> deps, List<String> path,
                                        Set<String> seen) {
    for (String next : deps.getOrDefault(at, Set.of())) {
      if (next.equals(start)) {
        List<String> found = new ArrayList<>(path);
        found.add(start);
        return found;
      }
      if (seen.add(next)) {
        path.add(next);
        List<String> found = cycleFrom(start, next, deps, path, seen);
        if (!found.isEmpty()) {
          return found;
        }
        path.removeLast();
      }
    }
    return List.of();
  }
}
