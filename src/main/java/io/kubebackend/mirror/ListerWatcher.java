package io.kubebackend.mirror;

import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.kubebackend.cluster.ApiserverUrl;
import io.kubebackend.cluster.ResourceType;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How a {@link ResourceSync} reads one resource of a cluster: list a page, watch from a resourceVersion (the seam
 * client-go's reflector has, so the sync's rules are tested with a fake apiserver as well as a real one).
 */
interface ListerWatcher {
  /**
   * One LIST page as the apiserver sent it (a {@code *List} JSON object), for {@link ListPage} to read as a
   * stream; a refusal throws as fabric8 would, a {@link KubernetesClientException} with the HTTP code and Status.
   */
  byte[] list(ListOptions options);

  /**
   * Starts a watch from {@code options}' resourceVersion, with bookmarks; its events, each one JSON object as the
   * apiserver sent it, and then its end reach {@code events} on another thread.
   */
  Watch watch(ListOptions options, WatchEvents events);

  /** What a watch hands on. */
  interface WatchEvents {
    /** One watch event ({@code {"type":...,"object":...}}); may block, which slows the watch down. */
    void event(byte[] json);

    /** The watch ended: by itself or by {@link Watch#close} (no cause), or failed (the cause). Called once. */
    void closed(WatcherException cause);
  }

  /**
   * The resource through fabric8, across every namespace for a namespaced kind. LIST and WATCH are requests through
   * fabric8's HTTP client (its config, authentication, token refresh and TLS) whose bodies are kept as bytes:
   * fabric8's own list and watch would parse every object into maps, to be serialized again for the store.
   */
  static ListerWatcher of(KubernetesClient client, ResourceType type) {
    return new ListerWatcher() {
      @Override
      public byte[] list(ListOptions options) {
        Map<String, String> query = new LinkedHashMap<>();
        if (options.getLimit() != null) {
          query.put("limit", Long.toString(options.getLimit()));
        }
        if (options.getContinue() != null) {
          query.put("continue", options.getContinue());
        }
        String url = collectionUrl(query);
        HttpClient http = client.getHttpClient();
        var pending = http.sendAsync(http.newHttpRequestBuilder().uri(url).header("Accept", "application/json")
            .timeout(LIST_TIMEOUT_SECONDS, TimeUnit.SECONDS).build(), byte[].class);
        try {
          HttpResponse<byte[]> r = pending.get(LIST_TIMEOUT_SECONDS + 5, TimeUnit.SECONDS);
          byte[] body = r.body() == null ? new byte[0] : r.body();
          if (!r.isSuccessful()) {
            throw refused(client, r.code(), body);
          }
          return body;
        } catch (InterruptedException e) {
          pending.cancel(true);
          Thread.currentThread().interrupt();
          throw new KubernetesClientException("listing " + type.qualifiedResource() + " was interrupted", e);
        } catch (ExecutionException e) {
          Throwable cause = e.getCause() != null ? e.getCause() : e;
          throw new KubernetesClientException("listing " + type.qualifiedResource() + " failed: "
              + cause.getMessage(), cause);
        } catch (TimeoutException e) {
          pending.cancel(true);
          throw new KubernetesClientException("listing " + type.qualifiedResource() + " timed out", e);
        }
      }

      @Override
      public Watch watch(ListOptions options, WatchEvents events) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("watch", "true");
        if (options.getResourceVersion() != null) {
          query.put("resourceVersion", options.getResourceVersion());
        }
        query.put("allowWatchBookmarks", "true");
        // As client-go's reflector: the apiserver ends the watch after 5 to 10 minutes, so a connection that
        // died without a word (no RST, no ping on this client) is noticed then, and the watch resumes.
        query.put("timeoutSeconds", Long.toString(300 + java.util.concurrent.ThreadLocalRandom.current()
            .nextLong(300)));
        return new RawWatch(client.getHttpClient(), collectionUrl(query), events,
            r -> refused(client, r.code(), r.body()));
      }

      /** The resource's collection across all namespaces, every segment and query value encoded. */
      private String collectionUrl(Map<String, String> query) {
        return ApiserverUrl.of(client.getMasterUrl().toString(), ApiserverUrl.objectPath(type, null, null, null),
            query);
      }
    };
  }

  /** How long one LIST page may take. */
  long LIST_TIMEOUT_SECONDS = 60;

  /** The apiserver's refusal as fabric8 reports one: its Status when the body is one, else the bare code. */
  private static KubernetesClientException refused(KubernetesClient client, int code, byte[] body) {
    Status status = null;
    try {
      Status parsed = client.getKubernetesSerialization().unmarshal(new String(body, StandardCharsets.UTF_8),
          Status.class);
      if (parsed != null && "Status".equals(parsed.getKind())) {
        status = parsed;
      }
    } catch (RuntimeException notAStatus) {
      // whatever answered was not the apiserver's JSON; the code alone says enough
    }
    if (status == null) {
      status = new StatusBuilder().withCode(code).withMessage("HTTP " + code).build();
    } else if (status.getCode() == null) {
      status.setCode(code);
    }
    return new KubernetesClientException(status);
  }
}
