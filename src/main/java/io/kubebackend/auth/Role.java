package io.kubebackend.auth;

import java.util.List;

/** A named set of grants that users are given. */
public record Role(String name, List<Grant> grants) {
  /** Throws {@link AuthException} (400) for a null grant. */
  public Role {
    if (grants != null && grants.stream().anyMatch(g -> g == null)) {
      throw AuthException.badRequest("a grant may not be null");
    }
    grants = grants == null ? List.of() : List.copyOf(grants);
  }
}
