package io.kubebackend.mirror;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Counters of the mirror, shared by all syncs. */
public final class MirrorMetrics {
  private final Counter initialLists;
  private final Counter goneRelists;
  private final Counter errorRelists;
  private final Counter watchEvents;

  public MirrorMetrics(MeterRegistry registry) {
    this.initialLists = relists(registry, "initial");
    this.goneRelists = relists(registry, "gone");
    this.errorRelists = relists(registry, "error");
    this.watchEvents = Counter.builder("kb.mirror.watch.events").description("watch events applied")
        .register(registry);
  }

  private static Counter relists(MeterRegistry registry, String reason) {
    return Counter.builder("kb.mirror.lists").description("full lists of a resource, by why they ran")
        .tag("reason", reason).register(registry);
  }

  void listed(boolean first, boolean afterGone) {
    (first ? initialLists : afterGone ? goneRelists : errorRelists).increment();
  }

  void watchEvent() {
    watchEvents.increment();
  }

  /** Lists that ran because the apiserver answered 410 Gone. */
  public long goneRelists() {
    return (long) goneRelists.count();
  }
}
