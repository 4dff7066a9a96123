package io.kubebackend.api.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of kubectl's JSONPath that CRD printer columns use: {@code .a.b}, {@code .a[0].b}, {@code .a['x.y']} and
 * one filter {@code .a[?(@.k=="v")].b} (the first element that matches). Anything else finds nothing, and the
 * cell stays empty, as the apiserver leaves it when a path does not resolve.
 */
final class SimpleJsonPath {
  private static final Pattern STEP = Pattern.compile(
      "\\.([A-Za-z0-9_-]+)|\\[(\\d+)]|\\['([^']*)']|\\[\\?\\(@\\.([A-Za-z0-9_-]+)\\s*==\\s*[\"']([^\"']*)[\"']\\)]");

  private SimpleJsonPath() {}

  static JsonNode find(JsonNode root, String path) {
    String p = path.strip();
    if (p.startsWith("{") && p.endsWith("}")) {
      p = p.substring(1, p.length() - 1);
    }
    JsonNode at = root;
    Matcher m = STEP.matcher(p);
    int pos = 0;
    while (pos < p.length()) {
      if (!m.find(pos) || m.start() != pos) {
        return MissingNode.getInstance();
      }
      if (m.group(1) != null) {
        at = at.path(m.group(1));
      } else if (m.group(2) != null) {
        at = at.path(Integer.parseInt(m.group(2)));
      } else if (m.group(3) != null) {
        at = at.path(m.group(3));
      } else {
        JsonNode match = MissingNode.getInstance();
        for (JsonNode e : at) {
          if (e.path(m.group(4)).asText("\u0000").equals(m.group(5))) {
            match = e;
            break;
          }
        }
        at = match;
      }
      pos = m.end();
    }
    return at;
  }
}
