package io.kubebackend.api.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.kubebackend.api.NativeApiGuard;
import io.kubebackend.api.Routes;
import io.kubebackend.auth.Authorizer;
import io.kubebackend.auth.Caller;
import io.kubebackend.mirror.ClusterMirror;
import io.kubebackend.mirror.RuntimeMirror;
import java.util.Comparator;
import java.util.List;

/**
 * {@code GET /api/v1/kubeconfig}: a kubeconfig for the caller, with one context per cluster it may read (named by
 * clusterId, server {@code <kube-backend>/api/v1/clusters/<id>}), one for {@value DiscoveryRoutes#ALL}, and the
 * caller's own bearer token. The server address is the one the caller reached kube-backend at.
 */
public final class KubeconfigRoutes implements Routes {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final RuntimeMirror mirror;
  private final Authorizer authorizer;

  public KubeconfigRoutes(RuntimeMirror mirror, Authorizer authorizer) {
    this.mirror = mirror;
    this.authorizer = authorizer;
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v1/kubeconfig", this::kubeconfig);
  }

  private void kubeconfig(Context ctx) throws Exception {
    Caller caller = ctx.attribute(NativeApiGuard.CALLER);
    // The guard authenticated this very header: the token is the caller's own.
    String token = ctx.header("authorization").strip().substring("bearer".length()).strip();
    String base = ctx.scheme() + "://" + ctx.host();
    List<String> ids = new java.util.ArrayList<>(mirror.clusters().stream().map(ClusterMirror::clusterId)
        .filter(id -> authorizer.readsAnything(caller, id)).sorted(Comparator.naturalOrder()).toList());
    ids.add(DiscoveryRoutes.ALL);
    ObjectNode root = YAML.createObjectNode().put("apiVersion", "v1").put("kind", "Config");
    ArrayNode clusters = root.putArray("clusters");
    ArrayNode contexts = root.putArray("contexts");
    for (String id : ids) {
      clusters.addObject().put("name", id).putObject("cluster").put("server", base + "/api/v1/clusters/" + id);
      contexts.addObject().put("name", id).putObject("context").put("cluster", id).put("user", caller.user());
    }
    root.putArray("users").addObject().put("name", caller.user()).putObject("user").put("token", token);
    root.put("current-context", ids.getFirst());
    ctx.header("Cache-Control", "no-store");
    ctx.contentType("application/yaml").result(YAML.writeValueAsString(root));
  }
}
