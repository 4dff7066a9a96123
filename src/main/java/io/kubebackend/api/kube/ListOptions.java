package io.kubebackend.api.kube;

import io.javalin.http.Context;
import io.kubebackend.api.ApiException;
import io.kubebackend.cluster.ResourceType;
import io.kubebackend.query.FieldCondition;
import io.kubebackend.query.FieldSelector;
import io.kubebackend.query.InvalidQueryException;
import io.kubebackend.query.LabelSelector;
import java.util.List;

/**
 * The query parameters of a Kubernetes list or watch, checked as the apiserver checks them ({@code ListOptions}):
 * selectors, paging, the resourceVersion rules, and the watch switches. Bad values are 400 (or 422 where the
 * apiserver says Invalid), in the Status shape.
 *
 * @param labels             {@code labelSelector}
 * @param fields             {@code fieldSelector}, as conditions
 * @param limit              page size; {@link #UNLIMITED} without one
 * @param continueToken      {@code continue}, or null
 * @param resourceVersion    the requested resourceVersion as a mirror seq; null when unset, "" or "0"
 * @param match              {@code resourceVersionMatch}, or null
 * @param watch              {@code watch} (any value but "0" and "false", as the apiserver reads it)
 * @param bookmarks          {@code allowWatchBookmarks}
 * @param sendInitialEvents  {@code sendInitialEvents}
 * @param timeoutSeconds     {@code timeoutSeconds} of a watch, or 0 for the default
 * @param includeObject      {@code includeObject} of a Table: None, Metadata (default) or Object
 */
record ListOptions(LabelSelector labels, List<FieldCondition> fields, int limit, String continueToken,
                   Long resourceVersion, Match match, boolean watch, boolean bookmarks, boolean sendInitialEvents,
                   int timeoutSeconds, String includeObject) {
  static final int UNLIMITED = Integer.MAX_VALUE - 1;
  static final int MAX_LIMIT = 10_000;

  enum Match { NOT_OLDER_THAN, EXACT }

  static ListOptions parse(Context ctx, ResourceType kind) {
    LabelSelector labels;
    List<FieldCondition> fields;
    try {
      labels = LabelSelector.parse(ctx.queryParam("labelSelector"));
      fields = FieldSelector.parse(ctx.queryParam("fieldSelector"), kind);
    } catch (InvalidQueryException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    String rawLimit = ctx.queryParam("limit");
    int limit = UNLIMITED;
    if (rawLimit != null && !rawLimit.isEmpty() && !rawLimit.equals("0")) {
      if (rawLimit.matches("-[0-9]+")) {
        throw ApiException.badRequest("limit must not be negative, got " + printable(rawLimit));
      }
      if (!rawLimit.matches("[0-9]{1,18}")) {
        throw ApiException.badRequest("limit must be a whole number of at most 18 digits, got "
            + printable(rawLimit));
      }
      // The apiserver accepts any limit; pages larger than this are served at this size, with a continue token.
      limit = (int) Math.min(Long.parseLong(rawLimit), MAX_LIMIT);
    }
    String cont = ctx.queryParam("continue");
    cont = cont == null || cont.isEmpty() ? null : cont;
    String rawRv = ctx.queryParam("resourceVersion");
    Long rv = null;
    if (rawRv != null && !rawRv.isEmpty() && !rawRv.equals("0")) {
      if (!rawRv.matches("[0-9]{1,18}")) {
        throw ApiException.badRequest("invalid resourceVersion " + printable(rawRv)
            + ": this server's resourceVersions are the mirror's change numbers");
      }
      rv = Long.parseLong(rawRv);
    }
    String rawMatch = ctx.queryParam("resourceVersionMatch");
    Match match = null;
    if (rawMatch != null && !rawMatch.isEmpty()) {
      match = switch (rawMatch) {
        case "NotOlderThan" -> Match.NOT_OLDER_THAN;
        case "Exact" -> Match.EXACT;
        default -> throw invalid("resourceVersionMatch: Unsupported value: " + printable(rawMatch)
            + ": supported values: \"Exact\", \"NotOlderThan\"");
      };
      if (rawRv == null || rawRv.isEmpty()) {
        throw invalid("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is"
            + " provided");
      }
      if (match == Match.EXACT && rawRv.equals("0")) {
        throw invalid("resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for"
            + " resourceVersion \"0\"");
      }
      if (cont != null) {
        throw invalid("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided");
      }
    }
    if (cont != null && rv != null) {
      throw ApiException.badRequest("specifying resource version is not allowed when using continue");
    }
    boolean watch = flag(ctx.queryParam("watch"));
    boolean sendInitialEvents = flag(ctx.queryParam("sendInitialEvents"));
    if (sendInitialEvents && !watch) {
      throw invalid("sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list");
    }
    if (sendInitialEvents && match != Match.NOT_OLDER_THAN) {
      throw invalid("resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to"
          + " NotOlderThan");
    }
    String rawTimeout = ctx.queryParam("timeoutSeconds");
    int timeout = 0;
    if (rawTimeout != null && !rawTimeout.isEmpty()) {
      if (!rawTimeout.matches("[0-9]{1,9}")) {
        throw ApiException.badRequest("timeoutSeconds must be a whole number");
      }
      timeout = Integer.parseInt(rawTimeout);
    }
    String include = ctx.queryParam("includeObject");
    if (include != null && !List.of("None", "Metadata", "Object").contains(include)) {
      throw ApiException.badRequest("includeObject must be None, Metadata or Object");
    }
    return new ListOptions(labels, fields, limit, cont, rv, match, watch, flag(ctx.queryParam("allowWatchBookmarks")),
        sendInitialEvents, timeout, include == null ? "Metadata" : include);
  }

  /** Whether a list is to be served exactly at {@link #resourceVersion} (the apiserver's legacy rule included). */
  boolean exact() {
    return resourceVersion != null && (match == Match.EXACT || (match == null && limit != UNLIMITED && !watch));
  }

  private static boolean flag(String v) {
    return v != null && !v.equals("0") && !v.equals("false");
  }

  private static ApiException invalid(String message) {
    return new ApiException(422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: " + message);
  }

  private static String printable(String v) {
    String cut = v.length() > 80 ? v.substring(0, 80) + "..." : v;
    StringBuilder out = new StringBuilder("\"");
    cut.chars().forEach(ch -> out.append(Character.isISOControl(ch) ? '?' : (char) ch));
    return out.append('"').toString();
  }
}
