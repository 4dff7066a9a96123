package io.kubebackend.cluster;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/** Builds a fabric8 client for a {@link ClusterSpec}. All kubeconfig, TLS and auth handling is fabric8's. */
public final class ClusterClients {
  private ClusterClients() {}

  public static KubernetesClient connect(ClusterSpec spec) {
    return new KubernetesClientBuilder().withConfig(config(spec)).build();
  }

  static Config config(ClusterSpec spec) {
    Config base;
    if (spec.kubeconfig() != null) {
      String content;
      try {
        content = Files.readString(Path.of(spec.kubeconfig()), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("cluster " + spec.id() + ": cannot read kubeconfig " + spec.kubeconfig(), e);
      }
      base = Config.fromKubeconfig(spec.context(), content, spec.kubeconfig());
    } else if (spec.kubeconfigContent() != null) {
      base = Config.fromKubeconfig(spec.context(), spec.kubeconfigContent(), null);
    } else {
      ConfigBuilder b = new ConfigBuilder(Config.empty()).withMasterUrl(spec.server()).withOauthToken(spec.token());
      if (spec.caData() != null) {
        b.withCaCertData(Base64.getEncoder().encodeToString(spec.caData().getBytes(StandardCharsets.UTF_8)));
      }
      base = b.build();
    }
    // The mirror decides about reconnects itself (see mirror.ResourceSync), so the client's own request retries
    // are kept short and its watch reconnects are off: fabric8 resets its reconnect backoff whenever a WebSocket
    // opens, so a watch the apiserver accepts and closes at once would be retried about every second forever,
    // unseen by the mirror. With no reconnects every end of a watch reaches ResourceSync, which watches again
    // from the last resourceVersion with a backoff that resets only after a healthy watch.
    return new ConfigBuilder(base)
        .withRequestRetryBackoffLimit(2)
        .withConnectionTimeout(10_000)
        .withRequestTimeout(30_000)
        .withWatchReconnectLimit(0)
        .build();
  }
}
