package io.kubebackend.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.cluster.ClusterClients;
import io.kubebackend.cluster.ClusterSpec;
import io.kubebackend.store.Dialect;
import io.kubebackend.testing.RunningBackend;
import io.kubebackend.testing.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in headless Chromium (Debian's chromium and chromedriver) against a real kube-backend mirroring
 * both local clusters: log in (wrong and right password), both clusters synced, search by name and by label
 * selector, a Deployment's descendants and a ReplicaSet's owner as links, an object's YAML edited and applied and the object deleted (checked on the apiserver), a change made on
 * the apiserver appearing on the events page and in an open list without a reload, log out, and a limited user who
 * sees one namespace and no write buttons. Screenshots of every page go to {@code target/console-screenshots}.
 * One browser and one backend for the whole class: the steps run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Path SHOTS = TestServers.repo().resolve("target/console-screenshots");
  private static final String NS = "console-" + UUID.randomUUID().toString().substring(0, 8);
  private static final String OTHER_NS = NS + "-other";
  private static RunningBackend backend;
  private static KubernetesClient kube;
  private static WebDriver driver;
  private static WebDriverWait wait;
  /** When the token was revoked behind the console's back, and when it logged in again: its 401s are expected. */
  private static long revokedAt = Long.MAX_VALUE;
  private static long reLoggedInAt = Long.MIN_VALUE;

  @BeforeAll
  static void start() throws Exception {
    kube = ClusterClients.connect(ClusterSpec.fromKubeconfig("cluster-1", TestServers.kubeconfig(1).toString(), null));
    for (String ns : List.of(NS, OTHER_NS)) {
      kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    for (int i = 0; i < 3; i++) {
      configMap(NS, "shown-" + i, Map.of("app", "console-web"));
    }
    configMap(OTHER_NS, "hidden-0", Map.of("app", "console-web"));
    backend = RunningBackend.start(Dialect.SQLITE,
        ClusterSpec.fromKubeconfig("c1", TestServers.kubeconfig(1).toString(), null),
        ClusterSpec.fromKubeconfig("c2", TestServers.kubeconfig(2).toString(), null));
    Files.createDirectories(SHOTS);
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1280,800", "--user-data-dir=" + Files.createTempDirectory("kb-chromium"));
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    driver.manage().window().setSize(new Dimension(1280, 800));
    wait = new WebDriverWait(driver, Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (backend != null) {
      backend.close();
    }
    if (kube != null) {
      for (String ns : List.of(NS, OTHER_NS)) {
        kube.namespaces().withName(ns).delete();
      }
      kube.close();
    }
  }

  @Test
  @Order(1)
  void firstLoadIsSmallAndOffline() throws Exception {
    HttpResponse<String> index = HTTP.send(HttpRequest.newBuilder(URI.create(url("/"))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, index.statusCode());
    assertTrue(index.headers().firstValue("content-security-policy").orElse("").contains("default-src 'self'"));
    List<String> assets = new ArrayList<>();
    Matcher m = Pattern.compile("(?:src|href)=\"\\.?/?([^\"]+\\.(?:js|css))\"").matcher(index.body());
    while (m.find()) {
      assets.add(m.group(1));
    }
    assertFalse(assets.isEmpty(), index.body());
    long compressed = gzipSize(index.body().getBytes(StandardCharsets.UTF_8));
    for (String a : assets) {
      assertFalse(a.startsWith("http"), "an asset from elsewhere: " + a);
      HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url("/" + a))).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, r.statusCode(), a);
      compressed += gzipSize(r.body());
    }
    System.out.println("console first load: " + (assets.size() + 1) + " files, " + compressed + " bytes gzip-compressed");
    assertTrue(compressed < 300 * 1024, compressed + " bytes compressed");
  }

  @Test
  @Order(2)
  void wrongPasswordThenLogin() throws Exception {
    driver.get(url("/"));
    login("admin", "not-the-password");
    wait.until(ExpectedConditions.textToBe(By.id("login-status"), "Wrong user name or password."));
    shot("login-wrong-password");
    login("admin", RunningBackend.ADMIN_PASSWORD);
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("clusters")));
  }

  @Test
  @Order(3)
  void bothClustersSynced() throws Exception {
    for (String id : List.of("c1", "c2")) {
      wait.until(ExpectedConditions.presenceOfElementLocated(
          By.cssSelector("tr[data-cluster='" + id + "'] [data-state='synced']")));
    }
    assertTrue(driver.findElements(By.id("register")).size() == 1, "the admin may register clusters");
    driver.findElement(By.linkText("c1")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("resources")));
    assertTrue(driver.findElement(By.id("resources")).getText().contains("ConfigMap"));
    shot("clusters");
  }

  @Test
  @Order(4)
  void searchByNameAndByLabelSelector() throws Exception {
    search("shown-");
    wait.until(d -> resultNames().size() == 3);
    assertEquals(List.of("shown-0", "shown-1", "shown-2"), resultNames().stream().sorted().toList());
    search("kind=ConfigMap&labelSelector=app=console-web");
    wait.until(d -> resultNames().size() == 4);
    assertTrue(resultNames().contains("hidden-0"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("counts"), "ConfigMap · c1"));
    shot("search");
  }

  @Test
  @Order(5)
  void ownersAndDescendantsAreLinks() throws Exception {
    kube.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata().withName("web")
        .endMetadata().withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata().withNewSpec().addNewContainer()
        .withName("c").withImage("registry.k8s.io/pause:3.9").endContainer().endSpec().endTemplate().endSpec()
        .build()).create();
    search("kind=Deployment&namespace=" + NS);
    wait.until(d -> resultNames().equals(List.of("web")));
    driver.findElement(By.linkText("web")).click();
    // Deployment -> ReplicaSet -> Pod, found by the owner references the mirror indexes.
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("descendants"), "ReplicaSet web-"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("descendants"), "Pod web-"));
    shot("object-descendants");
    driver.findElement(By.partialLinkText("ReplicaSet web-")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("yaml"), "kind: ReplicaSet"));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.linkText("Deployment web")));
  }

  @Test
  @Order(6)
  void editAnObjectThenDeleteIt() throws Exception {
    search("kind=ConfigMap&namespace=" + NS + "&nameContains=shown-1");
    wait.until(d -> resultNames().equals(List.of("shown-1")));
    driver.findElement(By.linkText("shown-1")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("yaml"), "shown-1"));
    driver.findElement(By.id("edit")).click();
    WebElement editor = wait.until(ExpectedConditions.elementToBeClickable(By.id("yaml-edit")));
    String yaml = editor.getAttribute("value");
    assertTrue(yaml.contains("n: \"0\"") || yaml.contains("n: '0'"), yaml);
    String changed = yaml.replaceFirst("n: [\"']0[\"']", "n: edited-in-console");
    setValue(editor, changed);
    driver.findElement(By.id("apply")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("object-status"), "Applied"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("yaml"), "edited-in-console"));
    assertEquals("edited-in-console", kube.configMaps().inNamespace(NS).withName("shown-1").get().getData().get("n"));
    shot("object");
    // A refusal shows the apiserver's message: here a stale resourceVersion (409 Conflict).
    driver.findElement(By.id("edit")).click();
    editor = wait.until(ExpectedConditions.elementToBeClickable(By.id("yaml-edit")));
    setValue(editor, editor.getAttribute("value").replace("edited-in-console", "x").replaceFirst(
        "resourceVersion: [\"']?\\d+[\"']?", "resourceVersion: \"1\""));
    driver.findElement(By.id("apply")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("object-status"), "refused"));
    driver.findElements(By.xpath("//button[text()='Cancel']")).getFirst().click();
    driver.findElement(By.id("delete")).click();
    driver.findElement(By.id("confirm-delete")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("object-status"), "no longer exists"));
    wait.until(d -> kube.configMaps().inNamespace(NS).withName("shown-1").get() == null);
  }

  @Test
  @Order(7)
  void changesOnTheApiserverShowWithoutAReload() throws Exception {
    driver.get(url("/#/events"));
    driver.findElement(By.name("namespace")).sendKeys(NS);
    driver.findElement(By.xpath("//button[text()='Filter']")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("stream-state"), "connected"));
    configMap(NS, "live-event", Map.of("app", "console-web"));
    configMap(OTHER_NS, "filtered-out", Map.of());
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("events"), "live-event"));
    configMap(NS, "after-filtered-out", Map.of());
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("events"), "after-filtered-out"));
    // Events come in seq order: once the later one is shown, the one of the other namespace would have been too.
    assertTrue(driver.findElements(By.xpath("//table[@id='events']//td[.='filtered-out']")).isEmpty(),
        "an event of another namespace passed the filter");
    shot("events");
    search("kind=ConfigMap&namespace=" + NS);
    wait.until(d -> resultNames().contains("live-event"));
    Object marker = ((JavascriptExecutor) driver).executeScript("return window.kbMarker = 'same page'");
    configMap(NS, "live-list", Map.of());
    wait.until(d -> resultNames().contains("live-list"));
    assertEquals(marker, ((JavascriptExecutor) driver).executeScript("return window.kbMarker"),
        "the list updated itself, with no reload");
  }

  @Test
  @Order(8)
  void adminRegistersAClusterFromAKubeconfigAndRemovesIt() throws Exception {
    driver.get(url("/#/clusters"));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("register")));
    driver.findElement(By.cssSelector("#register input[name=id]")).sendKeys("c3");
    driver.findElement(By.cssSelector("#register input[name=kubeconfig]"))
        .sendKeys(TestServers.kubeconfig(2).toAbsolutePath().toString());
    driver.findElement(By.cssSelector("#register button[type=submit]")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-cluster='c3']")));
    assertEquals(200, backend.get("/api/v1/clusters/c3").statusCode(), "registered on the server");
    driver.findElement(By.cssSelector("button[aria-label='Remove cluster c3']")).click();
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("tr[data-cluster='c3']")));
    assertEquals(404, backend.get("/api/v1/clusters/c3").statusCode(), "removed on the server");
    assertTrue(driver.findElements(By.cssSelector("button[aria-label='Remove cluster c1']")).isEmpty(),
        "a configured cluster has no remove button");
  }

  @Test
  @Order(9)
  void anExpiredTokenLeadsBackToTheLoginForm() throws Exception {
    String token = (String) ((JavascriptExecutor) driver).executeScript(
        "return JSON.parse(sessionStorage.getItem('kb.session')).token");
    revokedAt = System.currentTimeMillis();
    // Revoked behind the console's back, as an expiry would: its next request is refused.
    HttpResponse<String> out = HTTP.send(HttpRequest.newBuilder(URI.create(url("/kubesys/system/logout")))
        .header("authorization", "Bearer " + token).header("user", "admin")
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, out.statusCode(), out.body());
    driver.get(url("/#/clusters"));
    wait.until(ExpectedConditions.textToBe(By.id("login-status"), "Your session has expired. Log in again."));
    login("admin", RunningBackend.ADMIN_PASSWORD);
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("clusters")));
    reLoggedInAt = System.currentTimeMillis();
  }

  @Test
  @Order(10)
  void logout() throws Exception {
    driver.findElement(By.id("logout")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.name("username")));
    assertNull(((JavascriptExecutor) driver).executeScript("return sessionStorage.getItem('kb.session')"));
  }

  @Test
  @Order(11)
  void aLimitedUserSeesOneNamespaceAndNoWriteButtons() throws Exception {
    kubesys("/kubesys/system/putRole", "{\"name\":\"console-viewer\",\"grants\":[{\"cluster\":\"c1\",\"namespace\":\""
        + NS + "\",\"kind\":\"*\",\"read\":true,\"write\":false}]}");
    String password = Base64.getEncoder().encodeToString("viewer-password".getBytes(StandardCharsets.UTF_8));
    kubesys("/kubesys/system/createUser", "{\"name\":\"viewer\",\"password\":\"" + password
        + "\",\"role\":\"console-viewer\"}");
    // After a login the console shows the page the address names (here the clusters).
    driver.get(url("/#/clusters"));
    login("viewer", "viewer-password");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("clusters")));
    assertEquals(List.of("c1"), driver.findElements(By.cssSelector("#clusters tbody tr")).stream()
        .map(r -> r.getAttribute("data-cluster")).toList(), "the viewer sees only the cluster it has grants in");
    assertTrue(driver.findElements(By.id("register")).isEmpty(), "no register form for a viewer");
    search("kind=ConfigMap&labelSelector=app=console-web");
    wait.until(d -> resultNames().contains("live-event"));
    List<String> namespaces = driver.findElements(By.cssSelector("#results tbody tr td:nth-child(3)")).stream()
        .map(WebElement::getText).distinct().toList();
    assertEquals(List.of(NS), namespaces, "the viewer sees only its namespace");
    assertFalse(resultNames().contains("hidden-0"));
    driver.findElement(By.linkText("shown-0")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("yaml"), "shown-0"));
    assertTrue(driver.findElements(By.id("edit")).isEmpty(), "no edit button without a write grant");
    assertTrue(driver.findElements(By.id("delete")).isEmpty(), "no delete button without a write grant");
    shot("object-viewer");
  }

  @Test
  @Order(12)
  void theBrowserConsoleHasNoErrors() {
    List<String> errors = new ArrayList<>();
    for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
      // Chromium logs the answers the steps provoke on purpose as failed resources: the wrong password's 401, the
      // refused apply's 409 and the revoked token's 401.
      String msg = e.getMessage();
      boolean expected = msg.contains("Failed to load resource") && (msg.contains("/kubesys/system/login")
          && msg.contains("401") || msg.contains("/configmaps/shown-1") && msg.contains("409")
          || msg.contains("/api/v1/") && msg.contains("401") && e.getTimestamp() >= revokedAt
          && e.getTimestamp() <= reLoggedInAt);
      if (e.getLevel().intValue() >= Level.SEVERE.intValue() && !expected) {
        errors.add(e.getMessage());
      }
    }
    assertEquals(List.of(), errors);
  }

  // ---- helpers ----

  private static void login(String user, String password) {
    wait.until(ExpectedConditions.presenceOfElementLocated(By.name("username")));
    WebElement name = driver.findElement(By.name("username"));
    WebElement pass = driver.findElement(By.name("password"));
    name.clear();
    name.sendKeys(user);
    pass.clear();
    pass.sendKeys(password, Keys.ENTER);
  }

  private static void search(String text) {
    driver.get(url("/#/search"));
    WebElement box = wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("input[type=search]")));
    box.clear();
    box.sendKeys(text, Keys.ENTER);
  }

  private static List<String> resultNames() {
    try {
      return driver.findElements(By.cssSelector("#results tbody tr td:nth-child(4)")).stream()
          .map(WebElement::getText).toList();
    } catch (org.openqa.selenium.StaleElementReferenceException e) {
      return List.of();
    }
  }

  /** Sets a textarea's value as typing would, so that the page's input handler sees it. */
  private static void setValue(WebElement element, String value) {
    ((JavascriptExecutor) driver).executeScript("const el = arguments[0]; el.value = arguments[1];"
        + " el.dispatchEvent(new Event('input', {bubbles: true}));", element, value);
  }

  private static void shot(String name) throws IOException {
    Files.write(SHOTS.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
  }

  private static void configMap(String ns, String name, Map<String, String> labels) {
    ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels)
        .endMetadata().withData(Map.of("n", "0")).build();
    kube.configMaps().inNamespace(ns).resource(cm).create();
  }

  private static void kubesys(String path, String body) {
    HttpResponse<String> r = backend.send(HttpRequest.newBuilder(URI.create(backend.url(path)))
        .header("user", "admin").POST(HttpRequest.BodyPublishers.ofString(body)));
    assertEquals(200, r.statusCode(), path + ": " + r.body());
  }

  private static String url(String path) {
    return backend.url(path);
  }

  private static long gzipSize(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.size();
  }
}
