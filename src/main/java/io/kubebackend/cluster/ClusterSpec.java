package io.kubebackend.cluster;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How to reach one cluster and what to mirror from it. Immutable; a changed spec is a re-registration.
 *
 * <p>Credentials come either from a kubeconfig (a file path or inline content, optional context) or from a
 * server URL with a bearer token and CA. They are never part of {@link #toString()}.
 *
 * @param id            the clusterId (the kubesys API calls it {@code region}); [a-z0-9]([-a-z0-9.]*[a-z0-9])?, at most 63 chars
 * @param kubeconfig    path of a kubeconfig file, or null
 * @param kubeconfigContent inline kubeconfig YAML, or null
 * @param context       kubeconfig context, or null for the current one
 * @param server        API server URL when no kubeconfig is given
 * @param token         bearer token for {@code server}
 * @param caData        PEM CA certificate(s) for {@code server}; null trusts the system CAs
 * @param include       resources to mirror ({@code resource} or {@code resource.group}); empty means all
 * @param exclude       resources never mirrored, same syntax; applied after include
 * @param secretData    true to keep Secret {@code data}/{@code stringData}; by default only metadata is stored
 * @param keepManagedFields true to keep {@code metadata.managedFields}; dropped by default
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record ClusterSpec(
    String id,
    String kubeconfig,
    String kubeconfigContent,
    String context,
    String server,
    String token,
    String caData,
    List<String> include,
    List<String> exclude,
    boolean secretData,
    boolean keepManagedFields) {

  private static final Pattern ID = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?");

  public ClusterSpec {
    include = include == null ? List.of() : List.copyOf(include);
    exclude = exclude == null ? List.of() : List.copyOf(exclude);
  }

  public static ClusterSpec fromKubeconfig(String id, String kubeconfigPath, String context) {
    return new ClusterSpec(id, kubeconfigPath, null, context, null, null, null, List.of(), List.of(), false, false);
  }

  /** Checks the spec is complete and well-formed; throws {@link IllegalArgumentException} naming the problem. */
  public ClusterSpec validated() {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "cluster id must match [a-z0-9]([-a-z0-9.]*[a-z0-9])? and be at most 63 characters, got: " + id);
    }
    int sources = (kubeconfig != null ? 1 : 0) + (kubeconfigContent != null ? 1 : 0) + (server != null ? 1 : 0);
    if (sources != 1) {
      throw new IllegalArgumentException(
          "cluster " + id + ": give exactly one of kubeconfig (path), kubeconfigContent, or server (+token, caData)");
    }
    if (server != null && !UploadedKubeconfig.httpUrl(server)) {
      throw new IllegalArgumentException("cluster " + id + ": server must be an http(s) URL");
    }
    return this;
  }

  public ClusterSpec withId(String newId) {
    return new ClusterSpec(newId, kubeconfig, kubeconfigContent, context, server, token, caData, include, exclude,
        secretData, keepManagedFields);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClusterSpec s && Objects.equals(id, s.id) && Objects.equals(kubeconfig, s.kubeconfig)
        && Objects.equals(kubeconfigContent, s.kubeconfigContent) && Objects.equals(context, s.context)
        && Objects.equals(server, s.server) && Objects.equals(token, s.token) && Objects.equals(caData, s.caData)
        && include.equals(s.include) && exclude.equals(s.exclude) && secretData == s.secretData
        && keepManagedFields == s.keepManagedFields;
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, kubeconfig, context, server);
  }

  /** Never prints credentials (not even those inside the server URL). */
  @Override
  public String toString() {
    String source = kubeconfig != null ? "kubeconfig=" + kubeconfig
        : kubeconfigContent != null ? "kubeconfig=<inline>" : "server=" + FailureSummary.redact(server);
    return "ClusterSpec[id=" + id + ", " + source + (context != null ? ", context=" + context : "")
        + ", include=" + include + ", exclude=" + exclude + ", secretData=" + secretData
        + ", keepManagedFields=" + keepManagedFields + "]";
  }
}
