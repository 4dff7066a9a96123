package io.kubebackend.events;

import io.kubebackend.cluster.ResourceType;
import io.kubebackend.store.Change;
import java.util.List;

/** Changes of made-up ConfigMaps, for tests that exercise the outbox without a cluster. */
final class SyntheticChanges {
  static final ResourceType CONFIGMAPS = new ResourceType("", "v1", "configmaps", "ConfigMap", true);

  private SyntheticChanges() {}

  static Change.Upsert upsert(String cluster, String ns, String name, String rv, Change.Op op) {
    String json = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name
        + "\",\"namespace\":\"" + ns + "\",\"uid\":\"uid-" + name + "\",\"resourceVersion\":\"" + rv
        + "\"},\"data\":{\"rv\":\"" + rv + "\"}}";
    return new Change.Upsert(cluster, CONFIGMAPS, ns, name, "uid-" + name, rv, "{}", List.of(), null, json, op);
  }

  static Change.Delete delete(String cluster, String ns, String name, String rv) {
    return new Change.Delete(cluster, CONFIGMAPS, ns, name, "uid-" + name, rv,
        upsert(cluster, ns, name, rv, Change.Op.UPDATE).objectJson());
  }
}
