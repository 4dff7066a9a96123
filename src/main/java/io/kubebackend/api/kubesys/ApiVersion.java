package io.kubebackend.api.kubesys;

import java.util.regex.Pattern;

/**
 * The {@code apiVersion} of an object sent to the kubesys API, checked as Kubernetes names it: an optional group (an
 * RFC 1123 subdomain) and a version (an RFC 1123 label). Anything else is a 400, before it can reach a URL.
 */
record ApiVersion(String group, String version) {
  private static final Pattern GROUP = Pattern.compile(
      "(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern VERSION = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern KIND = Pattern.compile("[A-Z][A-Za-z0-9]{0,62}");

  /** Parses {@code data.apiVersion} and checks {@code data.kind} beside it; 400 naming the field otherwise. */
  static ApiVersion parse(String apiVersion, String kind) {
    int slash = apiVersion.indexOf('/');
    String group = slash < 0 ? "" : apiVersion.substring(0, slash);
    String version = apiVersion.substring(slash + 1);
    if ((slash >= 0 && !GROUP.matcher(group).matches()) || !VERSION.matcher(version).matches()) {
      throw KubesysException.badRequest("data.apiVersion " + KubesysKubeRoutes.quoted(apiVersion)
          + " is not an API version (group/version, or version for the core group)");
    }
    if (!KIND.matcher(kind).matches()) {
      throw KubesysException.badRequest("data.kind " + KubesysKubeRoutes.quoted(kind) + " is not a kind");
    }
    return new ApiVersion(group, version);
  }
}
