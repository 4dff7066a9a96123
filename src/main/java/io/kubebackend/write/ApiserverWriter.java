package io.kubebackend.write;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.kubebackend.mirror.ClusterMirror;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates, replaces and deletes objects on a cluster's apiserver with plain REST calls (POST, PUT, DELETE) through
 * the cluster's fabric8 HTTP client (which carries its credentials and TLS set-up). Plain calls keep the
 * apiserver's semantics exactly: its response body is returned as is, an update without a resourceVersion is
 * unconditional, and delete returns what the apiserver returns (the object, or a Status).
 *
 * <p>Namespace and name go into the URL path; callers check them with {@link #checkPathSegment} first, and they
 * are percent-encoded besides.
 */
public final class ApiserverWriter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long TIMEOUT_SECONDS = 30;
  private static final int MAX_MESSAGE = 1000;

  /** The object (or Status) the apiserver answered with. */
  public record Response(JsonNode body) {}

  public Response create(ClusterMirror cluster, ServedKind kind, String apiVersion, String namespace, String json) {
    return send(cluster, "POST", url(cluster.client(), kind, apiVersion, namespace, null), json);
  }

  public Response update(ClusterMirror cluster, ServedKind kind, String apiVersion, String namespace, String name,
                         String json) {
    return send(cluster, "PUT", url(cluster.client(), kind, apiVersion, namespace, name), json);
  }

  public Response delete(ClusterMirror cluster, ServedKind kind, String namespace, String name) {
    return send(cluster, "DELETE", url(cluster.client(), kind, kind.apiVersion(), namespace, name), null);
  }

  /** {@code contentType} names the patch format (merge, strategic merge or JSON patch). */
  public Response patch(ClusterMirror cluster, ServedKind kind, String namespace, String name, String contentType,
                        String patch) {
    return send(cluster, "PATCH", url(cluster.client(), kind, kind.apiVersion(), namespace, name), patch,
        contentType);
  }

  /**
   * Throws {@link IllegalArgumentException} unless {@code value} can stand as one URL path segment the way the
   * apiserver accepts names: not empty, not {@code .} or {@code ..}, no {@code /} or {@code %}, no control
   * characters.
   */
  public static void checkPathSegment(String what, String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(what + " is required");
    }
    if (value.equals(".") || value.equals("..") || value.indexOf('/') >= 0 || value.indexOf('%') >= 0
        || value.chars().anyMatch(Character::isISOControl) || value.length() > 253) {
      throw new IllegalArgumentException(what + " may not be . or .., contain / or % or control characters, or be"
          + " longer than 253 characters");
    }
  }

  static String url(KubernetesClient client, ServedKind kind, String apiVersion, String namespace, String name) {
    String base = client.getMasterUrl().toString();
    StringBuilder url = new StringBuilder(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    url.append(apiVersion.contains("/") ? "/apis/" : "/api/").append(apiVersion);
    if (kind.namespaced()) {
      url.append("/namespaces/").append(encode(namespace));
    }
    url.append('/').append(kind.resource());
    if (name != null) {
      url.append('/').append(encode(name));
    }
    return url.toString();
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private Response send(ClusterMirror cluster, String method, String url, String json) {
    return send(cluster, method, url, json, "application/json");
  }

  private Response send(ClusterMirror cluster, String method, String url, String json, String contentType) {
    HttpClient http = cluster.client().getHttpClient();
    HttpRequest.Builder request = http.newHttpRequestBuilder().uri(url).timeout(TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .header("Accept", "application/json");
    request.method(method, contentType, json != null ? json : "");
    HttpResponse<String> response;
    try {
      response = http.sendAsync(request.build(), String.class).get(TIMEOUT_SECONDS + 5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiserverException.unreachable(cluster.clusterId(), e);
    } catch (ExecutionException e) {
      throw ApiserverException.unreachable(cluster.clusterId(), e.getCause() != null ? e.getCause() : e);
    } catch (TimeoutException e) {
      throw ApiserverException.unreachable(cluster.clusterId(), e);
    }
    JsonNode body = parse(response.body());
    if (response.isSuccessful() && body != null && body.isObject()) {
      return new Response(body);
    }
    throw refused(cluster.clusterId(), response.code(), body, response.body());
  }

  private static JsonNode parse(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }

  /** The apiserver's Status message and reason, or its raw answer, cut to a readable length. */
  private static ApiserverException refused(String cluster, int code, JsonNode body, String raw) {
    String message = body != null && body.hasNonNull("message") ? body.get("message").asText()
        : "cluster " + cluster + " answered " + code + (raw == null || raw.isBlank() ? "" : ": " + raw.strip());
    if (message.length() > MAX_MESSAGE) {
      message = message.substring(0, MAX_MESSAGE) + "...";
    }
    String reason = body != null && body.hasNonNull("reason") ? body.get("reason").asText() : "Http" + code;
    int status = ApiserverException.callerStatus(code);
    if (status == 502) {
      message = "cluster " + cluster + " failed the request (" + code + "): " + message;
    }
    return new ApiserverException(status, reason, message, null);
  }
}
