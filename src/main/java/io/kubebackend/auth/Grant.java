package io.kubebackend.auth;

import java.util.regex.Pattern;

/**
 * One permission of a role: read and/or write objects of {@code kind} in {@code namespace} of {@code cluster}.
 *
 * @param cluster   a clusterId (the kubesys region), or {@link #ANY}
 * @param namespace a namespace, "" for cluster-scoped objects, or {@link #ANY} (every namespace and cluster-scoped)
 * @param kind      a kubesys fullkind ({@code Pod}, {@code apps.Deployment}), or {@link #ANY}
 * @param read      may get, list and count
 * @param write     may create, update and delete
 */
public record Grant(String cluster, String namespace, String kind, boolean read, boolean write) {
  public static final String ANY = "*";

  private static final Pattern CLUSTER = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?");
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern KIND = Pattern.compile("([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\\.)?[A-Za-z][A-Za-z0-9]{0,62}");

  /** Checks the fields; throws {@link AuthException} (400) naming the bad one. */
  public Grant validated() {
    check("cluster", cluster, CLUSTER, false);
    check("namespace", namespace, NAMESPACE, true);
    check("kind", kind, KIND, false);
    if (!read && !write) {
      throw AuthException.badRequest("a grant must allow read, write or both");
    }
    return this;
  }

  private static void check(String field, String value, Pattern pattern, boolean emptyAllowed) {
    if (value == null) {
      throw AuthException.badRequest("grant " + field + " is required (use \"*\" for any)");
    }
    if (value.equals(ANY) || (emptyAllowed && value.isEmpty()) || pattern.matcher(value).matches()) {
      return;
    }
    throw AuthException.badRequest("grant " + field + " is not a valid " + field + " or \"*\"");
  }

  /** Whether this grant covers objects of {@code kind} in {@code namespace} ("" = cluster-scoped) of {@code cluster}. */
  public boolean covers(String cluster, String namespace, String kind) {
    return matches(this.cluster, cluster) && matches(this.namespace, namespace) && matches(this.kind, kind);
  }

  private static boolean matches(String pattern, String value) {
    return pattern.equals(ANY) || pattern.equals(value);
  }
}
