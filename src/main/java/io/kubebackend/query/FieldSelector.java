package io.kubebackend.query;

import io.kubebackend.cluster.ResourceType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Kubernetes field selector ({@code fieldSelector=status.phase=Running,spec.nodeName!=n1}) as conditions of the
 * query engine: {@code =}, {@code ==} and {@code !=}, comma for "and", on the fields the apiserver supports for the
 * kind (every kind: {@code metadata.name}, namespaced kinds {@code metadata.namespace}; and, after
 * {@code pkg/apis/core/v1/conversion.go}, the per-kind fields below). Another field is refused as the apiserver
 * refuses it.
 */
public final class FieldSelector {
  static final int MAX_LENGTH = 4096;
  private static final Map<String, Set<String>> PER_KIND = Map.ofEntries(
      Map.entry("pods", Set.of("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
          "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName")),
      Map.entry("nodes", Set.of("spec.unschedulable")),
      Map.entry("namespaces", Set.of("status.phase")),
      Map.entry("secrets", Set.of("type")),
      Map.entry("services", Set.of("spec.clusterIP", "spec.type")),
      Map.entry("events", Set.of("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
          "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
          "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type")),
      Map.entry("replicationcontrollers", Set.of("status.replicas")),
      Map.entry("replicasets.apps", Set.of("status.replicas")),
      Map.entry("jobs.batch", Set.of("status.successful")));
  /** Fields whose JSON path differs from their name. */
  private static final Map<String, String> PATHS = Map.of("spec.host", "spec.nodeName",
      "source", "source.component");

  private FieldSelector() {}

  /** The conditions of a selector for objects of {@code kind}; throws {@link InvalidQueryException}. */
  public static List<FieldCondition> parse(String text, ResourceType kind) {
    if (text == null || text.isBlank()) {
      return List.of();
    }
    if (text.length() > MAX_LENGTH) {
      throw new InvalidQueryException("fieldSelector longer than " + MAX_LENGTH + " characters");
    }
    List<FieldCondition> out = new ArrayList<>();
    for (String term : text.split(",", -1)) {
      String t = term.strip();
      int ne = t.indexOf("!=");
      int eq = t.indexOf('=');
      if (eq <= 0) {
        throw new InvalidQueryException("invalid field selector term '" + t + "': expected field=value,"
            + " field==value or field!=value");
      }
      boolean negated = ne > 0 && ne < eq;
      String field = t.substring(0, negated ? ne : eq).strip();
      String value = t.substring(negated ? ne + 2 : t.startsWith("==", eq) ? eq + 2 : eq + 1).strip();
      if (value.contains("=") || value.contains("!")) {
        throw new InvalidQueryException("invalid field selector term '" + t + "'");
      }
      if (!supported(field, kind)) {
        throw new InvalidQueryException("field label not supported: " + field);
      }
      JsonPath path = JsonPath.parse(PATHS.getOrDefault(field, field));
      out.add(new FieldCondition(path, negated ? FieldCondition.Op.FIELD_IS_NOT : FieldCondition.Op.FIELD_IS,
          List.of(value), null));
    }
    return out;
  }

  static boolean supported(String field, ResourceType kind) {
    if (field.equals("metadata.name") || (kind.namespaced() && field.equals("metadata.namespace"))) {
      return true;
    }
    String key = ResourceType.qualify(kind.group(), kind.resource());
    return PER_KIND.getOrDefault(key, Set.of()).contains(field)
        || (key.equals("pods") && field.equals("spec.host"));
  }
}
