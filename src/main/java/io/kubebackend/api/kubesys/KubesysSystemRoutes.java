package io.kubebackend.api.kubesys;

import static io.kubebackend.api.kubesys.KubesysHandler.caller;
import static io.kubebackend.api.kubesys.KubesysHandler.handler;
import static io.kubebackend.api.kubesys.KubesysRequests.base64Password;
import static io.kubebackend.api.kubesys.KubesysRequests.read;
import static io.kubebackend.api.kubesys.KubesysRequests.required;

import io.javalin.Javalin;
import io.kubebackend.auth.Authenticator;
import io.javalin.http.Context;
import io.kubebackend.auth.Auth;
import io.kubebackend.auth.Caller;
import io.kubebackend.auth.Role;

/**
 * {@code /kubesys/system/*}: login and logout, and the admin-only management of users and roles. Passwords travel
 * base64-encoded, as the old frontend sends them at login; they are never logged.
 */
final class KubesysSystemRoutes {
  private final Auth auth;

  KubesysSystemRoutes(Auth auth) {
    this.auth = auth;
  }

  /**
   * The kubesys frontend logs out with its token in a {@code token} header and neither {@code authorization} nor
   * {@code user}. Logout alone accepts that, and only without {@code authorization}: every other call keeps one way
   * to present a token.
   */
  private Caller logoutCaller(Context ctx) {
    String token = ctx.header("token");
    if (ctx.header("authorization") == null && token != null && !token.isBlank()) {
      String t = token.strip();
      return auth.authenticator().authenticate(t.regionMatches(true, 0, "bearer ", 0, 7) ? t : "Bearer " + t,
          ctx.header("user"), Authenticator.UserHeader.OPTIONAL);
    }
    return caller(ctx, auth.authenticator());
  }

  void register(Javalin app) {
    app.post("/kubesys/system/login", handler(this::login));
    app.post("/kubesys/system/logout", handler(ctx -> {
      auth.logins().logout(logoutCaller(ctx));
      return true;
    }));
    app.post("/kubesys/system/createUser", handler(ctx -> {
      Caller caller = caller(ctx, auth.authenticator());
      var r = read(ctx, KubesysRequests.CreateUserRequest.class);
      return auth.users().createUser(caller, required("name", r.name()), base64Password("password", r.password()),
          required("role", r.role()));
    }));
    app.post("/kubesys/system/listUsers", handler(ctx -> auth.users().listUsers(caller(ctx, auth.authenticator()))));
    app.post("/kubesys/system/deleteUser", handler(ctx -> {
      Caller caller = caller(ctx, auth.authenticator());
      auth.users().deleteUser(caller, required("name", read(ctx, KubesysRequests.NameRequest.class).name()));
      return true;
    }));
    app.post("/kubesys/system/setRole", handler(ctx -> {
      Caller caller = caller(ctx, auth.authenticator());
      var r = read(ctx, KubesysRequests.SetRoleRequest.class);
      return auth.users().setRole(caller, required("name", r.name()), required("role", r.role()));
    }));
    app.post("/kubesys/system/changePassword", handler(ctx -> {
      Caller caller = caller(ctx, auth.authenticator());
      var r = read(ctx, KubesysRequests.ChangePasswordRequest.class);
      String current = r.oldPassword() == null ? null : base64Password("oldPassword", r.oldPassword());
      auth.users().changePassword(caller, required("name", r.name()), base64Password("password", r.password()),
          current, ctx.ip());
      return true;
    }));
    app.post("/kubesys/system/putRole", handler(ctx -> {
      Caller caller = caller(ctx, auth.authenticator());
      var r = read(ctx, KubesysRequests.PutRoleRequest.class);
      return auth.users().putRole(caller, new Role(required("name", r.name()), r.grants()));
    }));
    app.post("/kubesys/system/listRoles", handler(ctx -> auth.users().listRoles(caller(ctx, auth.authenticator()))));
    app.post("/kubesys/system/deleteRole", handler(ctx -> {
      Caller caller = caller(ctx, auth.authenticator());
      auth.users().deleteRole(caller, required("name", read(ctx, KubesysRequests.NameRequest.class).name()));
      return true;
    }));
  }

  private Object login(Context ctx) {
    var r = read(ctx, KubesysRequests.LoginRequest.class);
    if (r.kind() != null && !r.kind().equals("User")) {
      throw KubesysException.badRequest("kind must be User");
    }
    if (r.data() == null) {
      throw KubesysException.badRequest("data {name, password} is required");
    }
    String name = required("data.name", r.data().name());
    String password = base64Password("data.password", r.data().password());
    return auth.logins().login(name, password, ctx.ip());
  }
}
