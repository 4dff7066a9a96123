package io.kubebackend.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Label and field selectors evaluated on an object in memory, for changes streamed to watchers (a list runs the
 * same selectors as SQL). The semantics are the SQL's: {@code !=} and {@code notin} also match a missing label;
 * {@code >}/{@code <} only match labels of 1 to 18 digits; a field selector reads a missing field as "" and a
 * number or boolean as its JSON text. {@code FrontDoorsIT} and {@code ObjectMatcherTest} hold the two to the same
 * answers.
 */
public final class ObjectMatcher {
  private ObjectMatcher() {}

  /** Whether {@code labels} (the object's metadata.labels, or missing) satisfy the selector. */
  public static boolean matches(LabelSelector selector, JsonNode labels) {
    for (LabelSelector.Requirement r : selector.requirements()) {
      JsonNode v = labels == null ? null : labels.get(r.key());
      String value = v == null || v.isNull() ? null : v.asText();
      boolean ok = switch (r.operator()) {
        case EQUALS -> r.values().getFirst().equals(value);
        case NOT_EQUALS -> !r.values().getFirst().equals(value);
        case IN -> value != null && r.values().contains(value);
        case NOT_IN -> value == null || !r.values().contains(value);
        case EXISTS -> value != null;
        case DOES_NOT_EXIST -> value == null;
        case GREATER_THAN, LESS_THAN -> value != null && value.matches("[0-9]{1,18}")
            && (r.operator() == LabelSelector.Operator.GREATER_THAN
            ? Long.parseLong(value) > Long.parseLong(r.values().getFirst())
            : Long.parseLong(value) < Long.parseLong(r.values().getFirst()));
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Whether the object satisfies every field-selector condition ({@link FieldSelector}). */
  public static boolean matches(List<FieldCondition> fieldSelector, JsonNode object) {
    for (FieldCondition c : fieldSelector) {
      JsonNode v = object;
      for (String key : c.path().postgresPath()) {
        v = v.isArray() && key.matches("[0-9]+") ? v.path(Integer.parseInt(key)) : v.path(key);
      }
      String text = v.isMissingNode() || v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString();
      boolean equal = text.equals(c.values().getFirst());
      boolean ok = switch (c.op()) {
        case FIELD_IS -> equal;
        case FIELD_IS_NOT -> !equal;
        default -> throw new IllegalArgumentException("not a field-selector condition: " + c);
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
