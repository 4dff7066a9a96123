package io.kubebackend.write;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.kubebackend.cluster.ApiserverUrl;
import io.kubebackend.cluster.Cluster;
import io.kubebackend.cluster.ResourceType;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Creates, replaces, patches and deletes objects on a cluster's apiserver with plain REST calls through the
 * cluster's fabric8 HTTP client (which carries its credentials and TLS set-up). Plain calls keep the apiserver's
 * semantics exactly: its response body is returned as is, an update without a resourceVersion is unconditional
 * where the kind allows it, and delete returns what the apiserver returns (the object, or a Status).
 *
 * <p>The URL is built from the kind (at the version to address) and the namespace and name, each percent-encoded
 * as one path segment: no caller input ever becomes URL syntax. Callers validate the values first
 * ({@link #checkPathSegment}); encoding is the second line.
 */
public final class ApiserverWriter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long TIMEOUT_SECONDS = 30;
  private static final int MAX_MESSAGE = 1000;
  /** A Kubernetes {@code Status.reason}: a CamelCase word. Anything else is not passed on. */
  private static final Pattern REASON = Pattern.compile("[A-Z][A-Za-z]{1,40}");

  /** The object (or Status) the apiserver answered with. */
  public record Response(JsonNode body) {}

  /**
   * One write: the method, the kind at the version to address, the object (name null for the collection) and
   * subresource, query parameters passed on (already checked by the caller), the body and its content type.
   */
  public record Request(String method, ResourceType kind, String namespace, String name, String subresource,
                        Map<String, String> query, String contentType, String body) {
    public Request {
      query = Map.copyOf(query);
    }
  }

  public Response send(Cluster cluster, Request r) {
    String url = ApiserverUrl.of(cluster.client().getMasterUrl().toString(),
        ApiserverUrl.objectPath(r.kind(), r.namespace(), r.name(), r.subresource()), r.query());
    return send(cluster, r.method(), url, r.body(), r.contentType() == null ? "application/json" : r.contentType());
  }

  public Response create(Cluster cluster, ResourceType kind, String namespace, String json) {
    return send(cluster, new Request("POST", kind, namespace, null, null, Map.of(), null, json));
  }

  public Response update(Cluster cluster, ResourceType kind, String namespace, String name, String json) {
    return send(cluster, new Request("PUT", kind, namespace, name, null, Map.of(), null, json));
  }

  public Response delete(Cluster cluster, ResourceType kind, String namespace, String name) {
    return send(cluster, new Request("DELETE", kind, namespace, name, null, Map.of(), null, null));
  }

  /** {@code contentType} names the patch format (merge, strategic merge or JSON patch). */
  public Response patch(Cluster cluster, ResourceType kind, String namespace, String name, String contentType,
                        String patch) {
    return send(cluster, new Request("PATCH", kind, namespace, name, null, Map.of(), contentType, patch));
  }

  /** The object as the apiserver has it now (for a read-modify-write). */
  public Response get(Cluster cluster, ResourceType kind, String namespace, String name) {
    return send(cluster, new Request("GET", kind, namespace, name, null, Map.of(), null, null));
  }

  /**
   * Throws {@link IllegalArgumentException} unless {@code value} can stand as one URL path segment the way the
   * apiserver accepts names (its {@code IsValidPathSegmentName}, stricter on control characters): not empty, not
   * {@code .} or {@code ..}, no {@code /} or {@code %}, no control characters, at most 253 characters.
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

  /** The object's (or collection's, without a name) URL under {@code masterUrl}; every segment encoded. */
  static String url(String masterUrl, ResourceType kind, String namespace, String name) {
    return ApiserverUrl.of(masterUrl, ApiserverUrl.objectPath(kind, namespace, name, null), Map.of());
  }

  private Response send(Cluster cluster, String method, String url, String json, String contentType) {
    HttpClient http = cluster.client().getHttpClient();
    HttpRequest.Builder request = http.newHttpRequestBuilder().uri(url).timeout(TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .header("Accept", "application/json");
    if (!method.equals("GET")) { // the builder's default method
      request.method(method, contentType, json != null ? json : "");
    }
    HttpResponse<String> response;
    try {
      response = http.sendAsync(request.build(), String.class).get(TIMEOUT_SECONDS + 5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiserverException.unreachable(cluster.id(), e);
    } catch (ExecutionException e) {
      throw ApiserverException.unreachable(cluster.id(), e.getCause() != null ? e.getCause() : e);
    } catch (TimeoutException e) {
      throw ApiserverException.unreachable(cluster.id(), e);
    }
    JsonNode body = parse(response.body());
    if (response.isSuccessful() && body != null && body.isObject()) {
      return new Response(body);
    }
    throw refused(cluster.id(), response.code(), body);
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

  /**
   * The apiserver's refusal: its status, and the message and reason of its {@code Status} body, cut to a readable
   * length. A body that is not a Kubernetes Status (whatever the URL points at answered) is not passed on.
   */
  private static ApiserverException refused(String cluster, int code, JsonNode body) {
    boolean status = body != null && "Status".equals(body.path("kind").asText());
    String message = status && body.hasNonNull("message") ? body.get("message").asText()
        : "cluster " + cluster + " answered HTTP " + code;
    if (message.length() > MAX_MESSAGE) {
      message = message.substring(0, MAX_MESSAGE) + "...";
    }
    String reason = status && REASON.matcher(body.path("reason").asText()).matches() ? body.get("reason").asText()
        : "Http" + code;
    int callerStatus = ApiserverException.callerStatus(code);
    if (callerStatus == 502) {
      message = "cluster " + cluster + " failed the request (HTTP " + code + ")"
          + (status && code != 401 && code != 407 ? ": " + message : "");
    }
    return new ApiserverException(callerStatus, reason, message, null);
  }
}
