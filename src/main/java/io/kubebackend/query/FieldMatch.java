package io.kubebackend.query;

import java.util.List;

/**
 * A condition on one field of an object: the text at {@code path} (JSON keys from the object's root, e.g.
 * {@code [metadata, labels, app]}) contains {@code value} as a plain substring. A path to a missing field never
 * matches; an empty value matches any present field.
 */
public record FieldMatch(List<String> path, String value) {
  public static final int MAX_DEPTH = 16;
  /** A label key is at most 253 (prefix) + 1 + 63 (name) characters. */
  public static final int MAX_KEY = 317;
  public static final int MAX_VALUE = 1024;

  /** Throws {@link IllegalArgumentException} with a message fit for an API client when the match is not valid. */
  public FieldMatch {
    if (path == null || path.isEmpty() || path.size() > MAX_DEPTH) {
      throw new IllegalArgumentException("a field path has 1 to " + MAX_DEPTH + " keys");
    }
    for (String key : path) {
      if (key == null || key.isEmpty() || key.length() > MAX_KEY) {
        throw new IllegalArgumentException("a field path key has 1 to " + MAX_KEY + " characters");
      }
      // SQLite's JSON path syntax cannot quote a double quote or a backslash; no Kubernetes field name has one.
      if (key.indexOf('"') >= 0 || key.indexOf('\\') >= 0 || key.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException("a field path key may not contain \", \\ or control characters");
      }
    }
    if (value == null || value.length() > MAX_VALUE) {
      throw new IllegalArgumentException("a field value is a string of at most " + MAX_VALUE + " characters");
    }
    if (value.indexOf('\0') >= 0) {
      // PostgreSQL text cannot hold NUL, and no stored JSON text contains one.
      throw new IllegalArgumentException("a field value may not contain NUL characters");
    }
    path = List.copyOf(path);
  }
}
