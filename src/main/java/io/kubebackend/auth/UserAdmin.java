package io.kubebackend.auth;

import java.time.Clock;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Managing users and roles. Everything except changing one's own password needs the admin role. There is always
 * at least one admin: the last one can be neither deleted nor given another role (two admins demoting each other
 * at the same moment could still race; that is left to people).
 */
public final class UserAdmin {
  private static final Pattern USER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
  private static final Pattern ROLE = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?");
  private static final int MAX_GRANTS = 1000;

  /** A user as shown to admins (no password hash). */
  public record UserView(String name, String role, long createdMs) {}

  private final AuthStore store;
  private final PasswordHasher hasher;
  private final Authorizer authorizer;
  private final LoginRateLimiter limiter;
  private final Clock clock;

  public UserAdmin(AuthStore store, PasswordHasher hasher, Authorizer authorizer, LoginRateLimiter limiter,
                   Clock clock) {
    this.store = store;
    this.hasher = hasher;
    this.authorizer = authorizer;
    this.limiter = limiter;
    this.clock = clock;
  }

  public UserView createUser(Caller caller, String name, String password, String role) {
    authorizer.requireAdmin(caller);
    checkUserName(name);
    checkRoleName(role);
    String hash = hasher.hashNew(password);
    long now = clock.millis();
    store.insertUser(name, hash, role, now);
    return new UserView(name, role, now);
  }

  /** Creates the first admin if there are no users at all; false if there were. */
  boolean createFirstAdmin(String name, String password) {
    checkUserName(name);
    if (store.userCount() > 0) {
      return false;
    }
    try {
      store.insertUser(name, hasher.hashNew(password), Caller.ADMIN_ROLE, clock.millis());
      return true;
    } catch (AuthException e) {
      if (e.reason() == AuthException.Reason.CONFLICT) {
        return false; // another instance on the same database was first
      }
      throw e;
    }
  }

  public List<UserView> listUsers(Caller caller) {
    authorizer.requireAdmin(caller);
    return store.users().stream().map(u -> new UserView(u.name(), u.role(), u.createdMs())).toList();
  }

  public void deleteUser(Caller caller, String name) {
    authorizer.requireAdmin(caller);
    AuthStore.UserRow user = existingUser(name);
    keepOneAdmin(user, "delete");
    if (!store.deleteUser(name)) {
      throw AuthException.notFound("user " + name + " does not exist");
    }
  }

  public UserView setRole(Caller caller, String name, String role) {
    authorizer.requireAdmin(caller);
    checkRoleName(role);
    AuthStore.UserRow user = existingUser(name);
    if (!role.equals(Caller.ADMIN_ROLE)) {
      keepOneAdmin(user, "change the role of");
    }
    if (!store.setRole(name, role)) {
      throw AuthException.notFound("user " + name + " does not exist");
    }
    return new UserView(name, role, user.createdMs());
  }

  /**
   * Admins may set anyone's password; other users only their own, giving the current one, which is checked under
   * the same limits as a login (a wrong one counts as a failed login from {@code clientAddress}). The user's other
   * tokens are revoked (a changed password ends every session but the caller's own).
   */
  public void changePassword(Caller caller, String name, String newPassword, String currentPassword,
                             String clientAddress) {
    AuthStore.UserRow user;
    if (caller.admin()) {
      user = existingUser(name);
    } else {
      if (!caller.user().equals(name)) {
        throw AuthException.forbidden("only the " + Caller.ADMIN_ROLE + " role may change other users' passwords");
      }
      user = existingUser(name);
      limiter.acquire(clientAddress, name);
      if (!hasher.matches(currentPassword, user.passwordHash())) {
        throw AuthException.forbidden("the current password is wrong");
      }
      limiter.succeeded(clientAddress, name);
    }
    String hash = hasher.hashNew(newPassword);
    String keep = caller.user().equals(name) ? caller.tokenHash() : null;
    if (!store.setPassword(user.name(), hash, clock.millis(), keep)) {
      throw AuthException.notFound("user " + name + " does not exist");
    }
  }

  public Role putRole(Caller caller, Role role) {
    authorizer.requireAdmin(caller);
    checkRoleName(role.name());
    if (role.name().equals(Caller.ADMIN_ROLE)) {
      throw AuthException.conflict("the " + Caller.ADMIN_ROLE + " role is built in and cannot be changed");
    }
    if (role.grants().size() > MAX_GRANTS) {
      throw AuthException.badRequest("a role may have at most " + MAX_GRANTS + " grants");
    }
    for (Grant g : role.grants()) {
      if (g == null) {
        throw AuthException.badRequest("a grant may not be null");
      }
      g.validated();
    }
    if (role.grants().stream().map(g -> List.of(g.cluster(), g.namespace(), g.kind())).distinct().count()
        < role.grants().size()) {
      throw AuthException.badRequest("role " + role.name() + " lists the same cluster, namespace and kind twice");
    }
    store.putRole(role, clock.millis());
    return role;
  }

  public List<Role> listRoles(Caller caller) {
    authorizer.requireAdmin(caller);
    return store.roles();
  }

  public void deleteRole(Caller caller, String name) {
    authorizer.requireAdmin(caller);
    checkRoleName(name);
    if (name.equals(Caller.ADMIN_ROLE)) {
      throw AuthException.conflict("the " + Caller.ADMIN_ROLE + " role is built in and cannot be deleted");
    }
    if (!store.deleteRole(name)) {
      throw AuthException.notFound("role " + name + " does not exist");
    }
  }

  private AuthStore.UserRow existingUser(String name) {
    checkUserName(name);
    return store.user(name).orElseThrow(() -> AuthException.notFound("user " + name + " does not exist"));
  }

  private void keepOneAdmin(AuthStore.UserRow user, String action) {
    if (user.role().equals(Caller.ADMIN_ROLE) && store.usersWithRole(Caller.ADMIN_ROLE) <= 1) {
      throw AuthException.conflict("cannot " + action + " the last user with the " + Caller.ADMIN_ROLE + " role");
    }
  }

  static boolean validUserName(String name) {
    return name != null && USER.matcher(name).matches();
  }

  static void checkUserName(String name) {
    if (!validUserName(name)) {
      throw AuthException.badRequest("a user name is 1-64 characters: letters, digits and . _ @ -,"
          + " starting with a letter or digit");
    }
  }

  static void checkRoleName(String name) {
    if (name == null || !ROLE.matcher(name).matches()) {
      throw AuthException.badRequest("a role name is 1-63 characters: lower-case letters, digits, - and .,"
          + " starting and ending with a letter or digit");
    }
  }
}
