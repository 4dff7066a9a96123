package io.kubebackend.api.kubesys;

import static io.kubebackend.api.kubesys.KubesysHandler.handler;

import io.javalin.Javalin;
import io.javalin.http.Handler;
import io.kubebackend.api.Routes;
import io.kubebackend.auth.Auth;
import io.kubebackend.mirror.RuntimeMirror;
import io.kubebackend.query.QueryService;
import io.kubebackend.write.ObjectWrites;

/**
 * The API of the backend kube-backend replaces (kubesys), as its frontend and scripts call it: {@code POST} with
 * a JSON body under {@code /kubesys/system/*} (login, users, roles) and {@code /kubesys/kube/*} (objects, with
 * {@code region} = clusterId). Every answer, including unknown paths, has the kubesys body
 * {@code {"code","message","data"}}.
 */
public final class KubesysApi implements Routes {
  private final KubesysSystemRoutes system;
  private final KubesysKubeRoutes kube;

  public KubesysApi(Auth auth, RuntimeMirror mirror, QueryService query, ObjectWrites writes) {
    this.system = new KubesysSystemRoutes(auth);
    this.kube = new KubesysKubeRoutes(auth, mirror, query, writes);
  }

  @Override
  public void register(Javalin app) {
    system.register(app);
    kube.register(app);
    // Registered last, so they only catch what no endpoint above matched.
    app.post("/kubesys/<path>", handler(ctx -> {
      throw KubesysException.notFound("no endpoint POST " + ctx.path());
    }));
    Handler postOnly = handler(ctx -> {
      throw new KubesysException(405, "the kubesys API takes POST with a JSON body");
    });
    app.get("/kubesys/<path>", postOnly);
    app.put("/kubesys/<path>", postOnly);
    app.patch("/kubesys/<path>", postOnly);
    app.delete("/kubesys/<path>", postOnly);
  }
}
