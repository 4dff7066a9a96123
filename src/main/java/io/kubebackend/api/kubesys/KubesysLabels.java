package io.kubebackend.api.kubesys;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubebackend.query.FieldCondition;
import io.kubebackend.query.JsonPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code labels} filter of listResources and countResources: each key is a JSON path with {@code ##} between
 * its keys ({@code metadata##labels##app}; a key of digits is an array position), each value the text that field
 * must contain. All must hold. They become conditions of the query engine ({@code path ~ text}), so they mean
 * exactly what the same condition means in {@code /api/v1/query}: a string as itself, a number or boolean in its
 * JSON form ({@code 3}, {@code true}), on both databases.
 */
final class KubesysLabels {
  static final String SEPARATOR = "##";
  static final int MAX_ENTRIES = 32;
  static final int MAX_DEPTH = 16;
  /** A label key is at most 253 (prefix) + 1 + 63 (name) characters. */
  static final int MAX_KEY = 317;
  static final int MAX_VALUE = 1024;

  private KubesysLabels() {}

  /** The conditions, in the request's order; 400 naming the bad entry. */
  static List<FieldCondition> parse(Map<String, JsonNode> labels) {
    if (labels == null) {
      return List.of();
    }
    if (labels.size() > MAX_ENTRIES) {
      throw KubesysException.badRequest("labels may have at most " + MAX_ENTRIES + " entries");
    }
    List<FieldCondition> out = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : labels.entrySet()) {
      JsonNode v = e.getValue();
      if (v == null || !(v.isTextual() || v.isNumber() || v.isBoolean())) {
        throw KubesysException.badRequest("labels: the value of " + printable(e.getKey()) + " must be a string");
      }
      String value = v.asText();
      if (value.length() > MAX_VALUE || value.indexOf('\0') >= 0) {
        throw KubesysException.badRequest("labels: the value of " + printable(e.getKey()) + " must have at most "
            + MAX_VALUE + " characters and no NUL");
      }
      out.add(new FieldCondition(path(e.getKey()), FieldCondition.Op.CONTAINS, List.of(value), null));
    }
    return out;
  }

  private static JsonPath path(String text) {
    String[] keys = text.split(SEPARATOR, -1);
    if (keys.length > MAX_DEPTH) {
      throw bad(text, "a field path has 1 to " + MAX_DEPTH + " keys");
    }
    List<JsonPath.Segment> segments = new ArrayList<>();
    for (String key : keys) {
      if (key.isEmpty() || key.length() > MAX_KEY) {
        throw bad(text, "a field path key has 1 to " + MAX_KEY + " characters");
      }
      // SQLite's JSON path syntax cannot quote a double quote or a backslash; no Kubernetes field name has one.
      if (key.indexOf('"') >= 0 || key.indexOf('\\') >= 0 || key.chars().anyMatch(Character::isISOControl)) {
        throw bad(text, "a field path key may not contain \", \\ or control characters");
      }
      segments.add(key.matches("[0-9]{1,6}") ? new JsonPath.Index(Integer.parseInt(key)) : new JsonPath.Key(key));
    }
    return new JsonPath(segments);
  }

  private static KubesysException bad(String key, String why) {
    return KubesysException.badRequest("labels: " + printable(key) + ": " + why);
  }

  /** The key quoted, cut, and with control characters shown as {@code ?}, for an error message. */
  private static String printable(String key) {
    String cut = key.length() > 80 ? key.substring(0, 80) + "..." : key;
    StringBuilder out = new StringBuilder("\"");
    cut.chars().forEach(ch -> out.append(Character.isISOControl(ch) ? '?' : (char) ch));
    return out.append('"').toString();
  }
}
