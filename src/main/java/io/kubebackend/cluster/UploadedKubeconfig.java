package io.kubebackend.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.List;

/**
 * Checks a kubeconfig that arrives over the API. A kubeconfig can make its reader run programs ({@code exec},
 * {@code auth-provider}) and read local files ({@code client-key: /path}); from an uploader that would be code
 * execution and file disclosure on the kube-backend host. Only inline credentials are accepted.
 */
public final class UploadedKubeconfig {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final List<String> FORBIDDEN_USER_FIELDS =
      List.of("exec", "auth-provider", "client-certificate", "client-key", "tokenFile", "username", "password");
  private static final List<String> FORBIDDEN_CLUSTER_FIELDS = List.of("certificate-authority", "proxy-url");

  private UploadedKubeconfig() {}

  /** Throws {@link IllegalArgumentException} naming the first problem. */
  public static void check(String content) {
    JsonNode root;
    try {
      root = YAML.readTree(content);
    } catch (IOException e) {
      throw new IllegalArgumentException("kubeconfig is not valid YAML: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject() || !root.path("clusters").isArray() || root.path("clusters").isEmpty()) {
      throw new IllegalArgumentException("kubeconfig has no clusters");
    }
    for (JsonNode u : root.path("users")) {
      for (String f : FORBIDDEN_USER_FIELDS) {
        if (u.path("user").has(f)) {
          throw new IllegalArgumentException("kubeconfig user " + u.path("name").asText() + ": '" + f
              + "' is not accepted over the API; use inline credentials (token, client-certificate-data, client-key-data)");
        }
      }
    }
    for (JsonNode c : root.path("clusters")) {
      for (String f : FORBIDDEN_CLUSTER_FIELDS) {
        if (c.path("cluster").has(f)) {
          throw new IllegalArgumentException("kubeconfig cluster " + c.path("name").asText() + ": '" + f
              + "' is not accepted over the API; use certificate-authority-data");
        }
      }
    }
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }
}
