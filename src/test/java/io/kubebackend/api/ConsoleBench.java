package io.kubebackend.api;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.BenchCluster;
import io.kubebackend.testing.RunningBackend;
import java.io.File;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console's search over many objects (a command, not a test: {@code scripts/bench-console.sh [pods] [rounds]}):
 * N Pods in cluster-4 mirrored into PostgreSQL, then in headless Chromium the time from entering a search to its
 * first page of rows in the table, for every Pod, a label selector and a name substring; beside it, in the same
 * run, the same query asked of the API alone (the part of the time that is the server's). Prints p50 and max;
 * asserts nothing.
 */
public final class ConsoleBench {
  private ConsoleBench() {}

  public static void main(String[] args) throws Exception {
    int pods = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    String ns = "cbench-" + UUID.randomUUID().toString().substring(0, 6);
    try (BenchCluster cluster = BenchCluster.start()) {
      ClusterSpec spec = new ClusterSpec("bench", cluster.kubeconfig().toString(), null, null, null, null, null,
          List.of("pods"), List.of(), false, false);
      try (KubernetesClient client = ClusterClients.connect(spec)) {
        BenchCluster.createPods(client, ns, pods);
        try (RunningBackend backend = RunningBackend.start(Dialect.POSTGRESQL, spec)) {
          long t0 = System.nanoTime();
          while (count(backend, "kind=Pod&namespace=" + ns) < pods) {
            Thread.sleep(500);
          }
          System.out.printf("mirrored %d pods in %.1f s%n", pods, (System.nanoTime() - t0) / 1e9);
          measure(backend, ns, rounds);
        }
      } finally {
        try (KubernetesClient client = ClusterClients.connect(spec)) {
          BenchCluster.deleteNamespace(client, ns);
        }
      }
    }
    System.exit(0);
  }

  private static void measure(RunningBackend backend, String ns, int rounds) throws Exception {
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1280,800", "--user-data-dir=" + Files.createTempDirectory("kb-chromium"));
    WebDriver driver = new ChromeDriver(new ChromeDriverService.Builder()
        .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build(), options);
    try {
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
      driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
      driver.get(backend.url("/#/clusters"));
      wait.until(ExpectedConditions.presenceOfElementLocated(By.name("username"))).sendKeys("admin");
      driver.findElement(By.name("password")).sendKeys(RunningBackend.ADMIN_PASSWORD, Keys.ENTER);
      wait.until(ExpectedConditions.presenceOfElementLocated(By.id("clusters")));
      for (String search : List.of("kind=Pod", "kind=Pod&namespace=" + ns + "&labelSelector=app=bench-7",
          "p-1999")) {
        List<Long> browser = new ArrayList<>();
        List<Long> api = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
          driver.get(backend.url("/#/clusters"));
          wait.until(ExpectedConditions.presenceOfElementLocated(By.id("clusters")));
          // From the hash change that opens the search to its first row in the table, measured in the page.
          Object ms = ((JavascriptExecutor) driver).executeAsyncScript("""
              const done = arguments[arguments.length - 1];
              const t0 = performance.now();
              location.hash = '#/search?q=' + encodeURIComponent(arguments[0]);
              const poll = () => document.querySelector('#results tbody tr')
                ? done(Math.round(performance.now() - t0))
                : document.querySelector('[role=alert]') ? done(-1) : setTimeout(poll, 2);
              poll();
              """, search);
          if (((Number) ms).longValue() < 0) {
            throw new IllegalStateException("the search failed: " + driver.findElement(By.tagName("main")).getText());
          }
          browser.add(((Number) ms).longValue());
          if (i == 0) {
            // Where the first search's time went: the page's own resource timings of its API calls.
            Object timings = ((JavascriptExecutor) driver).executeScript("return performance.getEntriesByType"
                + "('resource').filter(e => e.name.includes('/api/')).map(e => Math.round(e.startTime) + '+'"
                + " + Math.round(e.duration) + 'ms ' + e.name.replace(location.origin, '')).slice(-8).join('\\n')");
            System.out.println("first search \"" + search + "\" took " + ms + " ms; its API calls:\n" + timings);
          }
          long a0 = System.nanoTime();
          String params = search.contains("=") ? search : "nameContains=" + search;
          HttpResponse<String> r = backend.get("/api/v1/query?" + params
              + "&limit=50&total=true&fields=metadata.creationTimestamp");
          api.add((System.nanoTime() - a0) / 1_000_000);
          if (r.statusCode() != 200) {
            throw new IllegalStateException(r.body());
          }
        }
        System.out.printf("search \"%s\": first page in the browser p50 %d ms, max %d ms; the API alone p50 %d ms,"
            + " max %d ms (%d rounds)%n", search, p50(browser), max(browser), p50(api), max(api), rounds);
      }
    } finally {
      driver.quit();
    }
  }

  private static long count(RunningBackend backend, String params) throws Exception {
    HttpResponse<String> r = backend.get("/api/v1/query?" + params + "&limit=1&total=true");
    if (r.statusCode() != 200) {
      return 0;
    }
    String body = r.body();
    int i = body.indexOf("\"totalCount\":");
    return i < 0 ? 0 : Long.parseLong(body.substring(i + 13).replaceAll("[^0-9].*", ""));
  }

  private static long p50(List<Long> v) {
    List<Long> s = v.stream().sorted().toList();
    return s.get((s.size() - 1) / 2);
  }

  private static long max(List<Long> v) {
    return v.stream().mapToLong(Long::longValue).max().orElse(0);
  }
}
