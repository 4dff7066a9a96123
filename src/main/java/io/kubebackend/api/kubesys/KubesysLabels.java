package io.kubebackend.api.kubesys;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubebackend.query.FieldMatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The {@code labels} filter of listResources and countResources: each key is a JSON path with {@code ##} between
 * its keys ({@code metadata##labels##app}), each value the text that field must contain. All must hold.
 */
final class KubesysLabels {
  static final String SEPARATOR = "##";
  static final int MAX_ENTRIES = 32;

  private KubesysLabels() {}

  /** The matches, in the request's order; 400 naming the bad entry. */
  static List<FieldMatch> parse(Map<String, JsonNode> labels) {
    if (labels == null) {
      return List.of();
    }
    if (labels.size() > MAX_ENTRIES) {
      throw KubesysException.badRequest("labels may have at most " + MAX_ENTRIES + " entries");
    }
    List<FieldMatch> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : labels.entrySet()) {
      JsonNode v = e.getValue();
      if (v == null || !(v.isTextual() || v.isNumber() || v.isBoolean())) {
        throw KubesysException.badRequest("labels: the value of " + printable(e.getKey()) + " must be a string");
      }
      try {
        out.add(new FieldMatch(Arrays.asList(e.getKey().split(SEPARATOR, -1)), v.asText()));
      } catch (IllegalArgumentException ex) {
        throw KubesysException.badRequest("labels: " + printable(e.getKey()) + ": " + ex.getMessage());
      }
    }
    return out;
  }

  /** The key quoted, cut, and with control characters shown as {@code ?}, for an error message. */
  private static String printable(String key) {
    String cut = key.length() > 80 ? key.substring(0, 80) + "..." : key;
    StringBuilder out = new StringBuilder("\"");
    cut.chars().forEach(ch -> out.append(Character.isISOControl(ch) ? '?' : (char) ch));
    return out.append('"').toString();
  }
}
