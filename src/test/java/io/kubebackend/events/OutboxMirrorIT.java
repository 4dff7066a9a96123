package io.kubebackend.events;

import static io.kubebackend.events.EventsTestBed.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubebackend.KubeBackend;
import io.kubebackend.config.BackendConfig;
import io.kubebackend.store.Dialect;
import io.kubebackend.store.ObjectKey;
import io.kubebackend.testing.TestDatabases;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The outbox as the real mirror fills it: one event per change, none for an object whose resourceVersion did not
 * change (also across a restart), and a delete with the last known object for what vanished while stopped.
 */
class OutboxMirrorIT {

  @ParameterizedTest
  @EnumSource(Dialect.class)
  void restartWritesEventsOnlyForWhatChangedMeanwhile(Dialect dialect) throws Exception {
    String ns = EventsTestBed.unique("obox");
    BackendConfig config = EventsTestBed.config(TestDatabases.freshUrl(dialect), null);
    OutboxReader.Filter inNamespace = new OutboxReader.Filter(EventsTestBed.CLUSTER_ID, null, null, null, ns);
    try (KubernetesClient kube = EventsTestBed.kube()) {
      EventsTestBed.createNamespace(kube, ns);
      try {
        EventsTestBed.createConfigMap(kube, ns, "x");
        String yRv = EventsTestBed.createConfigMap(kube, ns, "y");
        long headBeforeRestart;
        try (KubeBackend backend = KubeBackend.start(config)) {
          String xRv = EventsTestBed.updateConfigMap(kube, ns, "x", "1");
          await("x updated in the mirror", 60_000, () -> rv(backend, ns, "x").equals(xRv));
          List<ChangeEvent> events = backend.events().reader().readAfter(0, 1000, inNamespace).events();
          assertTrue(events.stream().anyMatch(e -> e.name().equals("y") && e.op().code.equals("r")
              && e.resourceVersion().equals(yRv)));
          for (int i = 1; i < events.size(); i++) {
            assertTrue(events.get(i).seq() > events.get(i - 1).seq());
          }
          headBeforeRestart = backend.events().reader().head();
        }

        // While kube-backend is stopped: one change, one delete, one create; kube-root-ca.crt stays unchanged.
        String xRv = EventsTestBed.updateConfigMap(kube, ns, "x", "2");
        EventsTestBed.deleteConfigMap(kube, ns, "y");
        String zRv = EventsTestBed.createConfigMap(kube, ns, "z");

        try (KubeBackend backend = KubeBackend.start(config)) {
          await("the mirror caught up", 60_000, () -> rv(backend, ns, "x").equals(xRv)
              && rv(backend, ns, "z").equals(zRv) && rv(backend, ns, "y").isEmpty());
          List<ChangeEvent> after = backend.events().reader().readAfter(headBeforeRestart, 1000, inNamespace)
              .events();
          assertEquals(List.of("r x " + xRv, "r z " + zRv, "d y " + yRv),
              after.stream().map(e -> e.op().code + " " + e.name() + " " + e.resourceVersion()).toList(),
              "events only for what changed while stopped (nothing for unchanged objects)");
          ChangeEvent delete = after.getLast();
          assertTrue(delete.objectJson().contains("\"y\""), "the delete carries the last known object");
          assertTrue(!delete.uid().isEmpty());
        }
      } finally {
        EventsTestBed.deleteNamespace(kube, ns);
      }
    }
  }

  private static String rv(KubeBackend backend, String ns, String name) {
    return backend.store().get(new ObjectKey(EventsTestBed.CLUSTER_ID, "", "configmaps", ns, name))
        .map(o -> o.resourceVersion()).orElse("");
  }
}
