package io.kubebackend.write;

import java.util.List;

/**
 * A kind a cluster's apiserver serves at its group's preferred version (subresources excluded), with the verbs
 * it allows. Unlike the mirror's resources, this includes kinds that cannot be listed or watched and kinds the
 * mirror is configured to skip: writes and {@code getMeta} are about what the apiserver serves.
 */
public record ServedKind(String group, String version, String resource, String kind, boolean namespaced,
                         List<String> verbs) {
  public ServedKind {
    verbs = List.copyOf(verbs);
  }

  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** {@code Kind} for the core group, else {@code group.Kind}. */
  public String fullKind() {
    return group.isEmpty() ? kind : group + "." + kind;
  }

  /** The kubesys fullkind for an object's {@code apiVersion} and {@code kind}. */
  public static String fullKind(String apiVersion, String kind) {
    int slash = apiVersion.indexOf('/');
    return slash < 0 ? kind : apiVersion.substring(0, slash) + "." + kind;
  }
}
