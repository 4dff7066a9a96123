package io.kubebackend.api.kube;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What clients of the Kubernetes API do with the mirror: how often they list, how many watch now, and how often a
 * watch resumed from a version the outbox no longer holds (each of those makes an informer re-list).
 */
final class KubeApiMetrics {
  final Counter lists;
  final Counter httpWatches;
  final Counter webSocketWatches;
  final Counter expired;
  final AtomicInteger open = new AtomicInteger();

  KubeApiMetrics(MeterRegistry registry) {
    lists = Counter.builder("kb.kube.lists").description("list requests answered from the mirror")
        .register(registry);
    httpWatches = Counter.builder("kb.kube.watches").tag("transport", "http").description("watches started")
        .register(registry);
    webSocketWatches = Counter.builder("kb.kube.watches").tag("transport", "websocket")
        .description("watches started").register(registry);
    expired = Counter.builder("kb.kube.watch.expired")
        .description("watches ended with 410 Expired because their resourceVersion was pruned").register(registry);
    Gauge.builder("kb.kube.watches.open", open, AtomicInteger::get).description("watches streaming now")
        .register(registry);
  }
}
