package io.kubebackend.cluster;

import java.util.List;

/**
 * A kind a cluster serves: one resource of a group at one version, with the verbs the apiserver allows on it.
 * Discovery yields one per resource at its group's preferred version (subresources excluded); writes may address
 * another version the group serves ({@link #atVersion}). The one model of "a served kind" for every stage: the
 * mirror keeps those that can be listed and watched, writes and the APIs use all of them.
 *
 * @param group      API group, "" for the core group
 * @param version    the version (the group's preferred one, as discovered)
 * @param resource   plural resource name, e.g. {@code deployments}
 * @param kind       e.g. {@code Deployment}
 * @param namespaced whether objects live in namespaces
 * @param verbs      what the apiserver allows (get, list, watch, create, update, patch, delete, ...)
 */
public record ResourceType(String group, String version, String resource, String kind, boolean namespaced,
                           List<String> verbs) {

  public ResourceType {
    verbs = verbs == null ? List.of() : List.copyOf(verbs);
  }

  /** A kind with every verb of a list+watch resource (for tests and benchmarks that make types by hand). */
  public ResourceType(String group, String version, String resource, String kind, boolean namespaced) {
    this(group, version, resource, kind, namespaced, List.of("create", "delete", "deletecollection", "get", "list",
        "patch", "update", "watch"));
  }

  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** Whether the mirror can keep it: the apiserver lists and watches it. */
  public boolean listAndWatch() {
    return verbs.contains("list") && verbs.contains("watch");
  }

  /** The same kind addressed at another version of its group. */
  public ResourceType atVersion(String otherVersion) {
    return otherVersion.equals(version) ? this
        : new ResourceType(group, otherVersion, resource, kind, namespaced, verbs);
  }

  /** {@code resource} for the core group, else {@code resource.group}: the form used in include/exclude lists. */
  public String qualifiedResource() {
    return qualify(group, resource);
  }

  /** {@code resource} for the core group (""), else {@code resource.group}. */
  public static String qualify(String group, String resource) {
    return group.isEmpty() ? resource : resource + "." + group;
  }

  /** The kubesys API's and the roles' name for a kind: {@code Kind} for the core group, else {@code group.Kind}. */
  public String fullKind() {
    return fullKind(group, kind);
  }

  /** {@link #fullKind()} of a group and kind; the one place that spells it. */
  public static String fullKind(String group, String kind) {
    return group.isEmpty() ? kind : group + "." + kind;
  }

  /** The group of an {@code apiVersion} ({@code apps/v1} -> {@code apps}, {@code v1} -> ""). */
  public static String groupOf(String apiVersion) {
    int slash = apiVersion.indexOf('/');
    return slash < 0 ? "" : apiVersion.substring(0, slash);
  }

  /** The version of an {@code apiVersion} ({@code apps/v1} -> {@code v1}). */
  public static String versionOf(String apiVersion) {
    return apiVersion.substring(apiVersion.indexOf('/') + 1);
  }

  @Override
  public String toString() {
    return qualifiedResource() + "/" + version;
  }
}
