package io.kubebackend.auth;

import java.util.List;

/**
 * Who made a request, as established by {@link Authenticator} from a bearer token.
 *
 * @param user      the user name
 * @param role      the user's role at the time of the request
 * @param grants    the role's grants
 * @param tokenHash the SHA-256 of the token used (what logout revokes); never the token itself
 */
public record Caller(String user, String role, List<Grant> grants, String tokenHash) {
  public static final String ADMIN_ROLE = "admin";

  public Caller {
    grants = List.copyOf(grants);
  }

  public boolean admin() {
    return ADMIN_ROLE.equals(role);
  }

  @Override
  public String toString() {
    return "Caller[" + user + ", role " + role + "]";
  }
}
