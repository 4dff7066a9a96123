package io.kubebackend.store;

/** Identity of one mirrored object; {@code namespace} is "" for cluster-scoped objects. */
public record ObjectKey(String cluster, String group, String resource, String namespace, String name) {

  /** The event key: {@code cluster/group/resource/namespace/name}. */
  public String path() {
    return cluster + "/" + group + "/" + resource + "/" + namespace + "/" + name;
  }
}
