package io.kubebackend.mirror;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
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

  /** Starts a watch; events and the close reach {@code watcher} on another thread. */
  Watch watch(ListOptions options, Watcher<GenericKubernetesResource> watcher);

  /**
   * The resource through fabric8, across every namespace for a namespaced kind. The LIST is a GET through
   * fabric8's HTTP client (its config, authentication and TLS) whose body is kept as bytes: fabric8's own list
   * would parse every object into maps, to be serialized again for the store.
   */
  static ListerWatcher of(KubernetesClient client, ResourceType type) {
    ResourceDefinitionContext ctx = new ResourceDefinitionContext.Builder().withGroup(type.group())
        .withVersion(type.version()).withPlural(type.resource()).withKind(type.kind())
        .withNamespaced(type.namespaced()).build();
    var op = client.genericKubernetesResources(ctx);
    var resource = type.namespaced() ? op.inAnyNamespace() : op;
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
        String url = ApiserverUrl.of(client.getMasterUrl().toString(),
            ApiserverUrl.objectPath(type, null, null, null), query);
        HttpClient http = client.getHttpClient();
        try {
          HttpResponse<byte[]> r = http.sendAsync(http.newHttpRequestBuilder().uri(url)
              .header("Accept", "application/json").timeout(LIST_TIMEOUT_SECONDS, TimeUnit.SECONDS).build(),
              byte[].class).get(LIST_TIMEOUT_SECONDS + 5, TimeUnit.SECONDS);
          byte[] body = r.body() == null ? new byte[0] : r.body();
          if (!r.isSuccessful()) {
            throw refused(client, r.code(), body);
          }
          return body;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new KubernetesClientException("listing " + type.qualifiedResource() + " was interrupted", e);
        } catch (ExecutionException e) {
          Throwable cause = e.getCause() != null ? e.getCause() : e;
          throw new KubernetesClientException("listing " + type.qualifiedResource() + " failed: "
              + cause.getMessage(), cause);
        } catch (TimeoutException e) {
          throw new KubernetesClientException("listing " + type.qualifiedResource() + " timed out", e);
        }
      }

      @Override
      public Watch watch(ListOptions options, Watcher<GenericKubernetesResource> watcher) {
        return resource.watch(options, watcher);
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
