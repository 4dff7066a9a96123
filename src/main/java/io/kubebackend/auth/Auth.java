package io.kubebackend.auth;

import io.kubebackend.config.BackendConfig;
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
    LoginRateLimiter limiter = new LoginRateLimiter(cfg.loginPerAddress(), cfg.loginPerUser(), clock);
    Auth auth = new Auth(new Authenticator(store, clock), authorizer,
        new Logins(store, hasher, limiter, Duration.ofMinutes(cfg.tokenTtlMinutes()), clock),
        new UserAdmin(store, hasher, authorizer, limiter, clock));
    auth.createFirstAdmin(cfg);
    return auth;
  }

  private void createFirstAdmin(BackendConfig.Auth cfg) {
    boolean generated = cfg.adminPassword() == null;
    String password = generated ? Tokens.newPassword() : cfg.adminPassword();
    if (!users.createFirstAdmin(cfg.adminUser(), password)) {
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
