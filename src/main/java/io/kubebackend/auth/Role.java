package io.kubebackend.auth;

import java.util.List;

/** A named set of grants that users are given. */
public record Role(String name, List<Grant> grants) {
  public Role {
    grants = grants == null ? List.of() : List.copyOf(grants);
  }
}
