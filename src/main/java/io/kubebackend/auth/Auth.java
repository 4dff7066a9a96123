package io.kubebackend.auth;

import io.kubebackend.config.BackendConfig;
import io.kubebackend.config.StartupException;
import io.kubebackend.store.Database;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The auth stage wired together: {@link Authenticator}, {@link Authorizer}, {@link Logins} and {@link UserAdmin}
 * over one {@link AuthStore}. Opening it creates the first admin when the database has no users.
 */
public final class Auth {
  private static final Logger log = LoggerFactory.getLogger(Auth.class);

  private final Authenticator authenticator;
  private final Authorizer authorizer;
  private final Logins logins;
  private final UserAdmin users;

  private Auth(Authenticator authenticator, Authorizer authorizer, Logins logins, UserAdmin users) {
    this.authenticator = authenticator;
    this.authorizer = authorizer;
    this.logins = logins;
    this.users = users;
  }

  public static Auth open(Database db, BackendConfig.Auth cfg, Clock clock) {
    AuthStore store = new AuthStore(db);
    PasswordHasher hasher = new PasswordHasher(cfg.bcryptCost());
    Authorizer authorizer = new Authorizer();
    LoginRateLimiter limiter = new LoginRateLimiter(store, cfg.loginPerAddress(), cfg.loginPerUser(), clock);
    Auth auth = new Auth(new Authenticator(store, clock), authorizer,
        new Logins(store, hasher, limiter, Duration.ofMinutes(cfg.tokenTtlMinutes()), clock),
        new UserAdmin(store, hasher, authorizer, limiter, clock));
    auth.createFirstAdmin(cfg);
    return auth;
  }

  private void createFirstAdmin(BackendConfig.Auth cfg) {
    boolean generated = cfg.adminPassword() == null;
    String password = generated ? Tokens.newPassword() : cfg.adminPassword();
    boolean created;
    try {
      created = users.createFirstAdmin(cfg.adminUser(), password);
    } catch (AuthException e) {
      if (e.reason() != AuthException.Reason.BAD_REQUEST) {
        throw e;
      }
      // The password and the user name come from the operator: name the setting to change, not an HTTP status.
      String passwordProblem = PasswordHasher.problem(password);
      throw new StartupException(passwordProblem != null
          ? "KB_ADMIN_PASSWORD (or auth.adminPassword), the first admin's password, " + passwordProblem
          : "auth.adminUser, the first admin's name: " + e.getMessage());
    }
    if (!created) {
      return;
    }
    if (generated) {
      // Printed once, on the console only (not the log): it is the one way to learn the first password.
      System.out.println("kube-backend: created user " + cfg.adminUser() + " (role admin) with the generated password "
          + password + " ; change it with /kubesys/system/changePassword");
    }
    log.info("created the first user {} with the admin role", cfg.adminUser());
  }

  public Authenticator authenticator() {
    return authenticator;
  }

  public Authorizer authorizer() {
    return authorizer;
  }

  public Logins logins() {
    return logins;
  }

  public UserAdmin users() {
    return users;
  }
}
