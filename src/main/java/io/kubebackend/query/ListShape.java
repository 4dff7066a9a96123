package io.kubebackend.query;

/**
 * How a list of objects is written: the list's {@code apiVersion} and {@code kind}, and whether each item names its
 * cluster in the annotation {@value ItemWriter#CLUSTER_ANNOTATION} (needed when items may come from several
 * clusters; a list of one cluster's resource reads like the apiserver's own).
 */
public record ListShape(String apiVersion, String kind, boolean clusterAnnotation) {
  /** The query API's shape: items of any kind and cluster. */
  public static final ListShape QUERY = new ListShape("v1", "List", true);

  /** One cluster's list of one kind, as the apiserver writes it ({@code v1} / {@code ConfigMapList}). */
  public static ListShape of(String apiVersion, String kind) {
    return new ListShape(apiVersion, kind + "List", false);
  }
}
