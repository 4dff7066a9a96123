package io.kubebackend.cluster;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The one builder of apiserver URLs: the cluster's base URL, then path segments each percent-encoded on its own,
 * then query parameters each encoded. Caller input never becomes URL syntax, whatever it holds.
 */
public final class ApiserverUrl {
  private ApiserverUrl() {}

  public static String of(String baseUrl, List<String> segments, Map<String, String> query) {
    StringBuilder url = new StringBuilder(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1)
        : baseUrl);
    for (String segment : segments) {
      url.append('/').append(encode(segment));
    }
    char sep = '?';
    for (Map.Entry<String, String> q : query.entrySet()) {
      url.append(sep).append(encode(q.getKey())).append('=').append(encode(q.getValue()));
      sep = '&';
    }
    return url.toString();
  }

  /** The path of a kind's collection or object: {@code api/v1[/namespaces/ns]/resource[/name[/sub]]}. */
  public static List<String> objectPath(ResourceType kind, String namespace, String name, String subresource) {
    List<String> out = new java.util.ArrayList<>();
    if (kind.group().isEmpty()) {
      out.add("api");
    } else {
      out.add("apis");
      out.add(kind.group());
    }
    out.add(kind.version());
    if (kind.namespaced() && namespace != null) {
      out.add("namespaces");
      out.add(namespace);
    }
    out.add(kind.resource());
    if (name != null) {
      out.add(name);
      if (subresource != null) {
        out.add(subresource);
      }
    }
    return out;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
