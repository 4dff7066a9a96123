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
import java.util.function.IntSupplier;

/**
 * {@code GET /api/v1/kubeconfig}: a kubeconfig for the caller, with one context per cluster it may read (named by
 * clusterId, server {@code <kube-backend>/api/v1/clusters/<id>}), one for {@value DiscoveryRoutes#ALL}, and the
 * caller's own bearer token. The server is kube-backend's HTTPS listener (kubectl sends bearer tokens over TLS
 * only) at the host name the caller reached kube-backend by, with the certificate to trust when it is self-signed.
 */
public final class KubeconfigRoutes implements Routes {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final RuntimeMirror mirror;
  private final Authorizer authorizer;
  private final IntSupplier tlsPort;
  private final String certificateAuthorityData;

  /**
   * @param tlsPort                  the HTTPS port kubectl is to use (bearer tokens go over TLS only); -1 for none
   * @param certificateAuthorityData the certificate to trust (base64 PEM) when it is self-signed, else null
   */
  public KubeconfigRoutes(RuntimeMirror mirror, Authorizer authorizer, IntSupplier tlsPort,
                          String certificateAuthorityData) {
    this.mirror = mirror;
    this.authorizer = authorizer;
    this.tlsPort = tlsPort;
    this.certificateAuthorityData = certificateAuthorityData;
  }

  @Override
  public void register(Javalin app) {
    app.get("/api/v1/kubeconfig", this::kubeconfig);
  }

  private void kubeconfig(Context ctx) throws Exception {
    Caller caller = ctx.attribute(NativeApiGuard.CALLER);
    // The guard authenticated this very header: the token is the caller's own.
    String token = ctx.header("authorization").strip().substring("bearer".length()).strip();
    String host = ctx.req().getServerName();
    int port = tlsPort.getAsInt();
    String base = port < 0 ? ctx.scheme() + "://" + ctx.host()
        : "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    List<String> ids = new java.util.ArrayList<>(mirror.clusters().stream().map(ClusterMirror::clusterId)
        .filter(id -> authorizer.readsAnything(caller, id)).sorted(Comparator.naturalOrder()).toList());
    ids.add(DiscoveryRoutes.ALL);
    ObjectNode root = YAML.createObjectNode().put("apiVersion", "v1").put("kind", "Config");
    ArrayNode clusters = root.putArray("clusters");
    ArrayNode contexts = root.putArray("contexts");
    for (String id : ids) {
      ObjectNode cluster = clusters.addObject().put("name", id).putObject("cluster")
          .put("server", base + "/api/v1/clusters/" + id);
      if (port >= 0 && certificateAuthorityData != null) {
        cluster.put("certificate-authority-data", certificateAuthorityData);
      }
      contexts.addObject().put("name", id).putObject("context").put("cluster", id).put("user", caller.user());
    }
    root.putArray("users").addObject().put("name", caller.user()).putObject("user").put("token", token);
    root.put("current-context", ids.getFirst());
    ctx.header("Cache-Control", "no-store");
    ctx.contentType("application/yaml").result(YAML.writeValueAsString(root));
  }
}
