package io.kubebackend.mirror;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.store.Change;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * Turns an object from the apiserver into a store row: removes what must not be stored (Secret data unless the
 * cluster is configured to keep it, managedFields unless kept), fills apiVersion/kind (list items of built-in
 * types come without them) and extracts the indexed columns.
 */
final class ObjectShaper {
  private static final ObjectMapper LABELS = new ObjectMapper();

  private final String cluster;
  private final ResourceType type;
  private final boolean keepSecretData;
  private final boolean keepManagedFields;
  private final KubernetesSerialization serialization;

  ObjectShaper(String cluster, ResourceType type, boolean keepSecretData, boolean keepManagedFields,
               KubernetesSerialization serialization) {
    this.cluster = cluster;
    this.type = type;
    this.keepSecretData = keepSecretData;
    this.keepManagedFields = keepManagedFields;
    this.serialization = serialization;
  }

  static String key(GenericKubernetesResource o) {
    ObjectMeta m = o.getMetadata();
    return (m.getNamespace() == null ? "" : m.getNamespace()) + "/" + m.getName();
  }

  /** Strips and completes the object in place and returns its JSON. */
  String json(GenericKubernetesResource o) {
    if (!keepManagedFields) {
      o.getMetadata().setManagedFields(null);
    }
    if (!keepSecretData && type.group().isEmpty() && type.resource().equals("secrets")) {
      o.getAdditionalProperties().remove("data");
      o.getAdditionalProperties().remove("stringData");
    }
    if (o.getApiVersion() == null) {
      o.setApiVersion(type.apiVersion());
    }
    if (o.getKind() == null) {
      o.setKind(type.kind());
    }
    return serialization.asJson(o);
  }

  Change.Upsert upsert(GenericKubernetesResource o, Change.Op op) {
    String json = json(o);
    ObjectMeta m = o.getMetadata();
    List<String> owners = m.getOwnerReferences() == null ? List.of()
        : m.getOwnerReferences().stream().map(OwnerReference::getUid).filter(u -> u != null).distinct().toList();
    return new Change.Upsert(cluster, type, nz(m.getNamespace()), m.getName(), nz(m.getUid()),
        nz(m.getResourceVersion()), labels(m.getLabels()), owners, created(m.getCreationTimestamp()), json, op);
  }

  Change.Delete delete(GenericKubernetesResource o) {
    ObjectMeta m = o.getMetadata();
    return new Change.Delete(cluster, type, nz(m.getNamespace()), m.getName(), m.getUid(), m.getResourceVersion(),
        json(o));
  }

  private static String labels(Map<String, String> labels) {
    try {
      return LABELS.writeValueAsString(labels == null ? Map.of() : labels);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Long created(String ts) {
    if (ts == null) {
      return null;
    }
    try {
      return Instant.parse(ts).toEpochMilli();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
