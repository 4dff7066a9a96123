package io.kubebackend.api;

import io.javalin.http.Context;
import io.kubebackend.auth.Authorizer;
import io.kubebackend.auth.Caller;
import io.kubebackend.auth.Grant;
import io.kubebackend.auth.Target;
import io.kubebackend.cluster.Cluster;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.mirror.ClusterMirror;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.write.ApiserverWriter;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An object path of the native API ({@code /api/v1/clusters/{cluster}/api/{version}/...} or
 * {@code .../apis/{group}/{version}/...}) resolved against what the cluster serves: the kind at the path's version,
 * the namespace and the name. Every path parameter is checked as the Kubernetes name it is, and the version must be
 * one the cluster serves for the group, so nothing from the path reaches an apiserver URL unchecked. Resolved once,
 * by {@link NativeApiGuard}, which authorizes the {@link #target()}; handlers take the same object from the request
 * ({@link #of}), so what was authorized is what is read or written.
 *
 * @param mirror    the cluster's mirror (and through it the cluster handle)
 * @param kind      the served kind at the path's version
 * @param namespace the path's namespace; for a namespaced kind without one in the path (a list across every
 *                  namespace) {@link Grant#ANY}; "" for cluster-scoped kinds
 * @param name      the object's name, or null for the collection
 */
public record ObjectPath(ClusterMirror mirror, ResourceType kind, String namespace, String name,
                         String subresource) {
  static final String ATTRIBUTE = "kube-backend.object-path";
  /** The cluster id of the merged, read-only view of every cluster the caller may read. */
  public static final String ALL_CLUSTERS = "_all";
  /** RFC 1123 label, as Kubernetes checks namespace names, versions and resource names. */
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  /** RFC 1123 subdomain, as Kubernetes checks API group names. */
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile(
      "(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /** A path of one cluster: its kind, namespace and name. */
  public ObjectPath(ClusterMirror mirror, ResourceType kind, String namespace, String name) {
    this(mirror, kind, namespace, name, null);
  }

  public Cluster cluster() {
    return mirror.cluster();
  }

  /** Whether the path is the merged view of every readable cluster (then {@link #mirror()} is null). */
  public boolean allClusters() {
    return mirror == null;
  }

  /** The cluster id of the path ({@value #ALL_CLUSTERS} for the merged view). */
  public String clusterId() {
    return mirror == null ? ALL_CLUSTERS : mirror.clusterId();
  }

  /** What the request acts on, for the authorization decision (one cluster's paths only). */
  public Target target() {
    return new Target(mirror.clusterId(), kind, namespace, subresource);
  }

  /** Whether the path names every namespace of a namespaced kind (a list without a namespace in the path). */
  public boolean allNamespaces() {
    return Grant.ANY.equals(namespace);
  }

  /** The path the guard resolved for this request. */
  public static ObjectPath of(Context ctx) {
    ObjectPath p = ctx.attribute(ATTRIBUTE);
    if (p == null) {
      throw new IllegalStateException("object path not resolved: route " + ctx.endpointHandlerPath()
          + " is not behind the guard");
    }
    return p;
  }

  /** Whether the matched route is an object path (it has a {resource} parameter). */
  static boolean isObjectRoute(Map<String, String> params) {
    return params.containsKey("resource");
  }

  /**
   * Resolves the matched route's parameters; 404 when the cluster is not registered or does not serve the group,
   * version or resource (or the path's scope does not fit the kind), 400 for a namespace or name that cannot be one.
   */
  static ObjectPath resolve(Map<String, String> params, RuntimeMirror mirrors) {
    String id = params.get("cluster");
    ClusterMirror mirror = mirrors.get(id)
        .orElseThrow(() -> ApiException.notFound("cluster " + printable(id) + " is not registered"));
    Cluster cluster = mirror.cluster();
    String group = params.getOrDefault("group", "");
    String version = params.get("version");
    String resource = params.get("resource");
    String what = (group.isEmpty() ? "" : printable(group) + "/") + printable(version) + " " + printable(resource);
    if ((!group.isEmpty() && !DNS_SUBDOMAIN.matcher(group).matches()) || !DNS_LABEL.matcher(version).matches()
        || !DNS_LABEL.matcher(resource).matches() || !cluster.servesVersion(group, version)) {
      throw ApiException.notFound("cluster " + id + " does not serve " + what);
    }
    ResourceType kind = cluster.kind(group, resource)
        .orElseThrow(() -> ApiException.notFound("cluster " + id + " does not serve " + what))
        .atVersion(version);
    String namespace = params.get("namespace");
    String name = params.get("name");
    if (namespace != null && !DNS_LABEL.matcher(namespace).matches()) {
      throw ApiException.badRequest("namespace " + printable(namespace) + " is not a valid namespace name (an RFC 1123"
          + " label: lower-case letters, digits and '-', at most 63 characters)");
    }
    if (name != null) {
      try {
        ApiserverWriter.checkPathSegment("name", name);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest(e.getMessage());
      }
    }
    if (!kind.namespaced() && namespace != null) {
      throw ApiException.notFound(resource + " is cluster-scoped: drop the namespace from the path");
    }
    if (kind.namespaced() && namespace == null && name != null) {
      throw ApiException.notFound(resource + " is namespaced: use .../namespaces/{namespace}/" + resource);
    }
    String subresource = params.get("subresource");
    if (subresource != null && !DNS_LABEL.matcher(subresource).matches()) {
      throw ApiException.notFound("no subresource " + printable(subresource));
    }
    String scope = !kind.namespaced() ? "" : namespace != null ? namespace : Grant.ANY;
    return new ObjectPath(mirror, kind, scope, name, subresource);
  }

  /**
   * Resolves a path of the merged view: the kind among the kinds mirrored by the clusters the caller may read (at
   * the path's version); 404 if none of them mirrors it.
   */
  static ObjectPath resolveAll(Map<String, String> params, RuntimeMirror mirrors, Caller caller,
                               Authorizer authorizer) {
    String group = params.getOrDefault("group", "");
    String version = params.get("version");
    String resource = params.get("resource");
    ResourceType kind = mirrors.clusters().stream().filter(m -> authorizer.readsAnything(caller, m.clusterId()))
        .flatMap(m -> m.resource(group, resource).stream())
        .filter(t -> t.version().equals(version)).findFirst()
        .orElseThrow(() -> ApiException.notFound("no cluster you may read mirrors "
            + (group.isEmpty() ? "" : printable(group) + "/") + printable(version) + " " + printable(resource)));
    String namespace = params.get("namespace");
    if (namespace != null && !DNS_LABEL.matcher(namespace).matches()) {
      throw ApiException.badRequest("namespace " + printable(namespace) + " is not a valid namespace name");
    }
    if (!kind.namespaced() && namespace != null) {
      throw ApiException.notFound(resource + " is cluster-scoped: drop the namespace from the path");
    }
    String name = params.get("name");
    if (name != null) {
      try {
        ApiserverWriter.checkPathSegment("name", name);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest(e.getMessage());
      }
    }
    if (params.get("subresource") != null) {
      throw ApiException.notFound("the view of every cluster has no subresources");
    }
    return new ObjectPath(null, kind, !kind.namespaced() ? "" : namespace != null ? namespace : Grant.ANY, name,
        null);
  }

  /** A path value inside an error message: cut, and control characters shown as '?'. */
  public static String printable(String value) {
    if (value == null) {
      return "";
    }
    String cut = value.length() > 80 ? value.substring(0, 80) + "..." : value;
    StringBuilder out = new StringBuilder(cut.length());
    cut.chars().forEach(ch -> out.append(Character.isISOControl(ch) ? '?' : (char) ch));
    return out.toString();
  }
}
