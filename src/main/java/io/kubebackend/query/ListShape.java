package io.kubebackend.query;

/**
 * How a list of objects is written: the list's {@code apiVersion} and {@code kind}, whether each item names its
 * cluster in the annotation {@value ItemWriter#CLUSTER_ANNOTATION} (needed when items may come from several
 * clusters), and whether resourceVersions are the mirror's (the Kubernetes API of the mirror: each item shows the
 * seq of its last change, the list the seq its snapshot stands at).
 */
public record ListShape(String apiVersion, String kind, boolean clusterAnnotation, boolean mirrorVersions) {
  /** The query API's shape: items of any kind and cluster, as stored. */
  public static final ListShape QUERY = new ListShape("v1", "List", true, false);

  /** A list of one kind in the Kubernetes API of the mirror ({@code v1} / {@code ConfigMapList}). */
  public static ListShape of(String apiVersion, String kind, boolean clusterAnnotation) {
    return new ListShape(apiVersion, kind + "List", clusterAnnotation, true);
  }
}
