package io.kubebackend.query;

import io.kubebackend.cluster.ResourceType;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Query strings as the HTTP layer hands them over, and a fixed catalog, for unit tests of the query package. */
final class QueryParams {
  static final ResourceType PODS = new ResourceType("", "v1", "pods", "Pod", true);
  static final ResourceType DEPLOYMENTS = new ResourceType("apps", "v1", "deployments", "Deployment", true);
  static final ResourceType NAMESPACES = new ResourceType("", "v1", "namespaces", "Namespace", false);

  /** Two clusters: c1 mirrors pods, deployments and namespaces; c2 only pods. */
  static final QueryCatalog CATALOG = new QueryCatalog() {
    @Override
    public Collection<String> clusters() {
      return List.of("c1", "c2");
    }

    @Override
    public List<ResourceType> resources(String cluster) {
      return switch (cluster) {
        case "c1" -> List.of(PODS, DEPLOYMENTS, NAMESPACES);
        case "c2" -> List.of(PODS);
        default -> List.of();
      };
    }
  };

  private QueryParams() {}

  /** {@code a=1&b=2&b=3}, URL-decoded, repeated names collected in order. */
  static Map<String, List<String>> of(String query) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (query.isEmpty()) {
      return out;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return out;
  }

  static ObjectQuery list(String query) {
    return new QueryParser(CATALOG).list(of(query));
  }

  static Aggregation aggregate(String query) {
    return new QueryParser(CATALOG).aggregate(of(query));
  }
}
