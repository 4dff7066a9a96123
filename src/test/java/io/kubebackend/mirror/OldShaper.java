package io.kubebackend.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubebackend.cluster.ResourceType;

/**
 * The oracle for {@link ObjectShaper}: how objects were shaped before it, through fabric8's object model (parse
 * into a GenericKubernetesResource, strip, complete, serialize). Tests only.
 */
final class OldShaper {
  private static final KubernetesSerialization FABRIC8 = new KubernetesSerialization();
  private static final ObjectMapper JSON = new ObjectMapper();

  private OldShaper() {}

  static String stringJson(ResourceType type, boolean keepSecretData, boolean keepManagedFields, String json) {
    return stringJson(type, keepSecretData, keepManagedFields, FABRIC8.unmarshal(json, GenericKubernetesResource.class));
  }

  static String stringJson(ResourceType type, boolean keepSecretData, boolean keepManagedFields,
                           GenericKubernetesResource o) {
    if (!keepManagedFields) {
      o.getMetadata().setManagedFields(null);
    }
    if (!keepSecretData && type.group().isEmpty() && type.resource().equals("secrets")) {
      o.getAdditionalProperties().remove("data");
      o.getAdditionalProperties().remove("stringData");
      // Not what the old path did: it kept this copy of the Secret's data. Stripping it is intended.
      if (o.getMetadata().getAnnotations() != null) {
        o.getMetadata().getAnnotations().remove(ObjectShaper.LAST_APPLIED);
      }
    }
    if (o.getApiVersion() == null) {
      o.setApiVersion(type.apiVersion());
    }
    if (o.getKind() == null) {
      o.setKind(type.kind());
    }
    return FABRIC8.asJson(o);
  }

  static JsonNode json(ResourceType type, boolean keepSecretData, boolean keepManagedFields, String json) {
    try {
      return JSON.readTree(stringJson(type, keepSecretData, keepManagedFields, json));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
