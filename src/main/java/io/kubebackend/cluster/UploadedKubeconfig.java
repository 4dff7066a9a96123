package io.kubebackend.cluster;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/**
 * Checks a kubeconfig that arrives over the API. A kubeconfig can make its reader run programs ({@code exec},
 * {@code auth-provider}) and read local files ({@code client-key: /path}); from an uploader that would be code
 * execution and file disclosure on the kube-backend host. Only inline credentials are accepted, and servers only
 * as http(s) URLs, as for a plain {@code server}. Duplicate keys are refused here rather than by fabric8 later.
 */
public final class UploadedKubeconfig {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final List<String> FORBIDDEN_USER_FIELDS =
      List.of("exec", "auth-provider", "client-certificate", "client-key", "tokenFile", "username", "password");
  private static final List<String> FORBIDDEN_CLUSTER_FIELDS = List.of("certificate-authority", "proxy-url");

  private UploadedKubeconfig() {}

  /** Throws {@link IllegalArgumentException} naming the first problem. */
  public static void check(String content) {
    JsonNode root;
    try {
      root = YAML.readTree(content);
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
      throw new IllegalArgumentException("kubeconfig is not valid YAML" + (line > 0 ? " (line " + line + ")" : "")
          + (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
          ? ": a key appears twice" : ""));
    } catch (IOException e) {
      throw new IllegalArgumentException("kubeconfig is not valid YAML");
    }
    if (root == null || !root.isObject() || !root.path("clusters").isArray() || root.path("clusters").isEmpty()) {
      throw new IllegalArgumentException("kubeconfig has no clusters");
    }
    for (JsonNode u : root.path("users")) {
      for (String f : FORBIDDEN_USER_FIELDS) {
        if (u.path("user").has(f)) {
          throw new IllegalArgumentException("kubeconfig user " + name(u) + ": '" + f
              + "' is not accepted over the API; use inline credentials (token, client-certificate-data, client-key-data)");
        }
      }
    }
    for (JsonNode c : root.path("clusters")) {
      for (String f : FORBIDDEN_CLUSTER_FIELDS) {
        if (c.path("cluster").has(f)) {
          throw new IllegalArgumentException("kubeconfig cluster " + name(c) + ": '" + f
              + "' is not accepted over the API; use certificate-authority-data");
        }
      }
      if (!httpUrl(c.path("cluster").path("server").asText(""))) {
        throw new IllegalArgumentException("kubeconfig cluster " + name(c) + ": server must be an http(s) URL");
      }
    }
  }

  /** Whether {@code server} is an absolute http or https URL with a host. */
  static boolean httpUrl(String server) {
    try {
      URI uri = new URI(server);
      return ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()))
          && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static String name(JsonNode entry) {
    String n = entry.path("name").asText("");
    return n.length() > 60 || n.chars().anyMatch(Character::isISOControl) ? "(entry)" : "'" + n + "'";
  }
}
