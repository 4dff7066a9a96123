package io.kubebackend.cluster;

/**
 * One list+watch resource a cluster serves, at its preferred version.
 *
 * @param group      API group, "" for the core group
 * @param version    preferred version of the group
 * @param resource   plural resource name, e.g. {@code deployments}
 * @param kind       e.g. {@code Deployment}
 * @param namespaced whether objects live in namespaces
 */
public record ResourceType(String group, String version, String resource, String kind, boolean namespaced) {

  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** {@code resource} for the core group, else {@code resource.group}: the form used in include/exclude lists. */
  public String qualifiedResource() {
    return qualify(group, resource);
  }

  /** {@code resource} for the core group (""), else {@code resource.group}. */
  public static String qualify(String group, String resource) {
    return group.isEmpty() ? resource : resource + "." + group;
  }

  /** The kubesys API's name for a kind: {@code Kind} for the core group, else {@code group.Kind}. */
  public String fullKind() {
    return group.isEmpty() ? kind : group + "." + kind;
  }

  @Override
  public String toString() {
    return qualifiedResource() + "/" + version;
  }
}
