package io.kubebackend.auth;


/**
 * Decides what a {@link Caller} may do from its role's grants. The {@code admin} role may do everything. Pure
 * (no I/O): a denial is a {@link AuthException} with 403, thrown before anything is changed.
 */
public final class Authorizer {

  public enum Access { READ, WRITE }

  public boolean allows(Caller caller, Access access, String cluster, String namespace, String kind) {
    if (caller.admin()) {
      return true;
    }
    for (Grant g : caller.grants()) {
      if (g.covers(cluster, namespace, kind) && (access == Access.READ ? g.read() : g.write())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The authorization decision of every API: throws 403 unless the caller's role allows {@code access} to the
   * target (its cluster, its kind's fullkind, its namespace; a list across namespaces needs a grant for every
   * namespace, {@code *}). Nothing else lets a request through.
   */
  public void authorize(Caller caller, Access access, Target target) {
    require(caller, access, target.cluster(), target.namespace(), target.fullKind());
  }

  /** Throws 403 unless the caller may {@code access} objects of {@code kind} in {@code namespace} of {@code cluster}. */
  public void require(Caller caller, Access access, String cluster, String namespace, String kind) {
    if (!allows(caller, access, cluster, namespace, kind)) {
      String where = namespace.isEmpty() ? "cluster-scoped" : namespace.equals(Grant.ANY) ? "every namespace"
          : "namespace " + namespace;
      throw AuthException.forbidden("user " + caller.user() + " (role " + caller.role() + ") may not "
          + (access == Access.READ ? "read " : "write ") + kind + " in " + where + " of " + cluster);
    }
  }

  /**
   * Throws 403 unless the caller may read {@code kind} in some namespace (or cluster scope) of {@code cluster}: what
   * a list or count of that kind needs at all. Which rows it then sees is the caller's read scope.
   */
  public void requireReadSomewhere(Caller caller, String cluster, String kind) {
    if (caller.admin()) {
      return;
    }
    for (Grant g : caller.grants()) {
      if (g.read() && (g.cluster().equals(Grant.ANY) || g.cluster().equals(cluster))
          && (g.kind().equals(Grant.ANY) || g.kind().equals(kind))) {
        return;
      }
    }
    throw AuthException.forbidden("user " + caller.user() + " (role " + caller.role() + ") may not read " + kind
        + " in " + cluster);
  }

  /**
   * Throws 403 unless the caller may {@code access} something in {@code cluster}. Checked before a request's region
   * and kind are looked up, so that users without any grant there learn nothing about them.
   */
  public void requireAny(Caller caller, Access access, String cluster) {
    if (caller.admin()) {
      return;
    }
    for (Grant g : caller.grants()) {
      if ((access == Access.READ ? g.read() : g.write())
          && (g.cluster().equals(Grant.ANY) || g.cluster().equals(cluster))) {
        return;
      }
    }
    throw AuthException.forbidden("user " + caller.user() + " (role " + caller.role() + ") may not "
        + (access == Access.READ ? "read" : "write") + " anything in " + cluster);
  }

  /** Whether the caller has some read grant in {@code cluster} (what it takes to see the cluster at all). */
  public boolean readsAnything(Caller caller, String cluster) {
    if (caller.admin()) {
      return true;
    }
    return caller.grants().stream().anyMatch(g -> g.read()
        && (g.cluster().equals(Grant.ANY) || g.cluster().equals(cluster)));
  }

  /** Throws 403 unless the caller has the admin role (users, roles, clusters). */
  public void requireAdmin(Caller caller) {
    if (!caller.admin()) {
      throw AuthException.forbidden("only the " + Caller.ADMIN_ROLE + " role may do this (manage users, roles"
          + " and clusters)");
    }
  }
}
