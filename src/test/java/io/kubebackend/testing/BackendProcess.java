package io.kubebackend.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code kube-backend serve} in its own JVM on the test class path, for what one process cannot show: a SIGKILL,
 * a SIGSTOP, several replicas. Its output goes to {@code target/<label>-<pid>.log}.
 */
public final class BackendProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("kube-backend listening on http://[^:]+:(\\d+)");

  private final Process process;
  private final Path log;
  private final String label;

  private BackendProcess(Process process, Path log, String label) {
    this.process = process;
    this.log = log;
    this.label = label;
  }

  /** Starts {@code serve --config config} plus {@code args}; does not wait for it to listen. */
  public static BackendProcess start(Path config, String label, String... args) throws IOException {
    return start(List.of(), config, label, args);
  }

  /** The same with more JVM options (a flight recording, say). */
  public static BackendProcess start(List<String> jvmOptions, Path config, String label, String... args)
      throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path log = TestServers.repo().resolve("target/" + label + "-" + ProcessHandle.current().pid() + ".log");
    List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xmx512m"));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.kubebackend.cli.Main", "serve", "--config",
        config.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new BackendProcess(p, log, label);
  }

  /** The HTTP port, once it prints that it listens (at most {@code timeoutMs}). */
  public int awaitPort(long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(label + " exited with " + process.exitValue() + ": " + tail());
      }
      Matcher m = LISTENING.matcher(Files.readString(log, StandardCharsets.UTF_8));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(label + " did not listen within " + timeoutMs + " ms: " + tail());
  }

  public long pid() {
    return process.pid();
  }

  /** User + system CPU seconds the process has used, from {@code /proc/PID/stat}; 0 once it is gone. */
  public double cpuSeconds() {
    return cpuSeconds(process.pid());
  }

  /** User + system CPU seconds of any live process, from {@code /proc/PID/stat} (USER_HZ 100); 0 if it is gone. */
  public static double cpuSeconds(long pid) {
    try {
      return cpuSecondsOf(Files.readString(Path.of("/proc/" + pid + "/stat")));
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * User + system CPU seconds by thread name, from {@code /proc/PID/task/TID/stat}: the kernel's name (at most 15
   * characters) without its trailing number, so the threads of one pool add up, the JVM's own (GC, JIT) included.
   * Virtual threads show as their carriers ({@code ForkJoinPool-1-}). A thread that has ended is no longer counted.
   */
  public Map<String, Double> cpuSecondsByThread() {
    Map<String, Double> out = new TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/" + process.pid() + "/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[-#0-9]+$", "");
          out.merge(name, cpuSecondsOf(stat), Double::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended while it was read
        }
      }
    } catch (IOException e) {
      return Map.of();
    }
    return out;
  }

  /** utime + stime of a {@code stat} line: after "(command) " the state is field 3, so they are the 12th and 13th. */
  private static double cpuSecondsOf(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }

  public Process process() {
    return process;
  }

  /** SIGKILL: no shutdown hook runs, nothing is released or flushed. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** SIGSTOP: frozen as by a long GC pause or a cut network, sockets open. */
  public void freeze() throws Exception {
    signal("STOP");
  }

  /** SIGCONT after {@link #freeze}. */
  public void thaw() throws Exception {
    signal("CONT");
  }

  private void signal(String name) throws Exception {
    int rc = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    if (rc != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited " + rc);
    }
  }

  public String tail() {
    try {
      String all = Files.readString(log, StandardCharsets.UTF_8);
      return all.substring(Math.max(0, all.length() - 3000));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** A clean stop (SIGTERM: the shutdown hook releases what it holds). */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      try {
        thaw(); // a frozen process would not act on SIGTERM
      } catch (Exception ignored) {
        // it may have exited meanwhile
      }
      process.destroy();
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
