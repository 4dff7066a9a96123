package io.kubebackend.query;

import java.util.List;

/**
 * One sort key: a JSON path of the object, ascending or descending. A few paths are read from indexed columns
 * instead of the JSON, with their natural type; every other path sorts by the text of its value, a missing value
 * sorting as the empty string (so that every key has a value and keyset pagination never meets NULL).
 *
 * <p>The pseudo-path {@code cluster} sorts by the cluster id.
 */
public record SortKey(JsonPath path, boolean descending) {

  /** Where a sort key's value comes from. */
  public enum Source {
    CLUSTER, KIND, NAMESPACE, NAME, CREATED, PATH;

    /** True for keys whose values are numbers (in the continue token too); every other key is text. */
    public boolean numeric() {
      return this == CREATED;
    }
  }

  public Source source() {
    List<String> keys = path.keysOnly() ? List.of(path.postgresPath()) : List.of();
    if (keys.equals(List.of("cluster"))) {
      return Source.CLUSTER;
    }
    if (keys.equals(List.of("kind"))) {
      return Source.KIND;
    }
    if (keys.equals(List.of("metadata", "namespace"))) {
      return Source.NAMESPACE;
    }
    if (keys.equals(List.of("metadata", "name"))) {
      return Source.NAME;
    }
    if (keys.equals(List.of("metadata", "creationTimestamp"))) {
      return Source.CREATED;
    }
    return Source.PATH;
  }

  @Override
  public String toString() {
    return (descending ? "-" : "") + path;
  }
}
