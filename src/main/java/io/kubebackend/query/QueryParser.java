package io.kubebackend.query;

import io.kubebackend.cluster.ResourceType;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Turns the HTTP query parameters of {@code /api/v1/query} and {@code /api/v1/aggregate} into an
 * {@link ObjectQuery} or an {@link Aggregation}. Strict: an unknown parameter, a repeated single-valued one, a
 * malformed value or a name no selected cluster mirrors is an {@link InvalidQueryException} naming the problem.
 */
public final class QueryParser {
  public static final int DEFAULT_LIMIT = 500;
  public static final int MAX_LIMIT = 10_000;
  public static final int DEFAULT_GROUPS = 1_000;
  static final int MAX_SORT_KEYS = 8;
  static final int MAX_FIELDS = 32;
  static final int MAX_CONDITIONS = 32;
  static final int MAX_LIST_VALUES = 100;

  private static final Set<String> FILTER_PARAMS = Set.of("cluster", "group", "resource", "kind", "namespace",
      "labelSelector", "field", "nameContains", "ownerUid", "descendantsOf", "createdSince", "createdBefore");
  private static final Set<String> LIST_PARAMS = union(FILTER_PARAMS,
      Set.of("sort", "limit", "continue", "total", "fields"));
  private static final Set<String> AGGREGATE_PARAMS = union(FILTER_PARAMS, Set.of("groupBy", "limit"));
  private static final Set<String> REPEATABLE = Set.of("cluster", "namespace", "field");

  private static final Pattern CLUSTER = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?");
  private static final Pattern NAMESPACE = Pattern.compile("([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?");
  private static final Pattern RESOURCE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern GROUP = Pattern.compile(
      "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?");
  private static final Pattern KIND = Pattern.compile("[A-Za-z][A-Za-z0-9]{0,62}");
  private static final Pattern UID = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9._]{0,127}");
  /** Characters of object names (DNS names, plus ':' and '@' of RBAC and system names). */
  private static final Pattern NAME_PART = Pattern.compile("[-A-Za-z0-9._:@]{1,253}");

  private final QueryCatalog catalog;

  public QueryParser(QueryCatalog catalog) {
    this.catalog = catalog;
  }

  /** The parameters of {@code GET /api/v1/query}. */
  public ObjectQuery list(Map<String, List<String>> params) {
    checkNames(params, LIST_PARAMS, "query");
    ObjectFilter filter = filter(params);
    List<SortKey> sort = sort(single(params, "sort"));
    int limit = limit(single(params, "limit"), DEFAULT_LIMIT);
    String cont = single(params, "continue");
    ContinueToken after = cont == null || cont.isEmpty() ? null : ContinueToken.decode(cont, filter, sort);
    boolean total = bool(single(params, "total"), "total");
    return new ObjectQuery(filter, sort, limit, after, total, fields(single(params, "fields")));
  }

  /** The parameters of {@code GET /api/v1/aggregate}. */
  public Aggregation aggregate(Map<String, List<String>> params) {
    checkNames(params, AGGREGATE_PARAMS, "aggregate");
    ObjectFilter filter = filter(params);
    String groupBy = single(params, "groupBy");
    if (groupBy == null || groupBy.isEmpty()) {
      throw new InvalidQueryException("groupBy is required (e.g. groupBy=cluster,path:status.phase)");
    }
    return new Aggregation(filter, Aggregation.parseGroupBy(groupBy), limit(single(params, "limit"), DEFAULT_GROUPS));
  }

  private ObjectFilter filter(Map<String, List<String>> params) {
    List<String> clusters = many(params, "cluster", CLUSTER, "a cluster id");
    Set<String> known = new TreeSet<>(catalog.clusters());
    for (String c : clusters) {
      if (!known.contains(c)) {
        throw new InvalidQueryException("unknown cluster '" + c + "' (registered: " + String.join(", ", known) + ")");
      }
    }
    String group = one(params, "group", GROUP, "an API group (\"\" for the core group)");
    String resource = one(params, "resource", RESOURCE, "a plural resource name like pods");
    String kind = one(params, "kind", KIND, "a kind like Pod");
    List<String> scanned = clusters.isEmpty() ? List.copyOf(known) : clusters;
    if (resource != null) {
      requireServed(scanned, t -> t.resource().equals(resource) && (group == null || t.group().equals(group)),
          "resource '" + (group == null || group.isEmpty() ? resource : resource + "." + group) + "'");
    }
    if (kind != null) {
      requireServed(scanned, t -> t.kind().equals(kind) && (group == null || t.group().equals(group)),
          "kind '" + kind + "'" + (group == null ? "" : " in group '" + group + "'"));
    }
    if (group != null && resource == null && kind == null) {
      requireServed(scanned, t -> t.group().equals(group), "API group '" + group + "'");
    }
    List<String> namespaces = many(params, "namespace", NAMESPACE, "a namespace name (\"\" for cluster-scoped)");
    LabelSelector labels = LabelSelector.parse(single(params, "labelSelector"));
    List<String> conditions = params.getOrDefault("field", List.of());
    if (conditions.size() > MAX_CONDITIONS) {
      throw new InvalidQueryException("at most " + MAX_CONDITIONS + " field conditions");
    }
    List<FieldCondition> fields = conditions.stream().map(FieldCondition::parse).toList();
    String nameContains = one(params, "nameContains", NAME_PART,
        "1-253 characters of letters, digits, '-', '.', '_', ':' or '@'");
    String ownerUid = one(params, "ownerUid", UID, "an object uid");
    String descendantsOf = one(params, "descendantsOf", UID, "an object uid");
    Instant since = instant(params, "createdSince");
    Instant before = instant(params, "createdBefore");
    return new ObjectFilter(clusters, group, resource, kind, namespaces, labels, fields, nameContains, ownerUid,
        descendantsOf, since, before);
  }

  private void requireServed(List<String> clusters, Predicate<ResourceType> match, String what) {
    for (String c : clusters) {
      if (catalog.resources(c).stream().anyMatch(match)) {
        return;
      }
    }
    throw new InvalidQueryException("no selected cluster mirrors " + what + " (clusters: "
        + String.join(", ", clusters) + ")");
  }

  static List<SortKey> sort(String text) {
    if (text == null || text.isEmpty()) {
      return List.of();
    }
    List<SortKey> out = new ArrayList<>();
    JsonPath.Cursor c = new JsonPath.Cursor(text, "sort");
    while (true) {
      boolean descending = false;
      if (!c.atEnd() && (c.peek() == '-' || c.peek() == '+')) {
        descending = c.peek() == '-';
        c.pos++;
      }
      out.add(new SortKey(JsonPath.parsePrefix(c), descending));
      if (out.size() > MAX_SORT_KEYS) {
        throw new InvalidQueryException("sort takes at most " + MAX_SORT_KEYS + " keys");
      }
      if (c.atEnd()) {
        break;
      }
      c.expect(',');
    }
    Set<String> seen = new LinkedHashSet<>();
    for (SortKey k : out) {
      if (!seen.add(k.path().toString())) {
        throw new InvalidQueryException("sort names '" + k.path() + "' twice");
      }
    }
    return out;
  }

  static List<JsonPath> fields(String text) {
    if (text == null || text.isEmpty()) {
      return List.of();
    }
    List<JsonPath> out = new ArrayList<>();
    JsonPath.Cursor c = new JsonPath.Cursor(text, "fields");
    while (true) {
      JsonPath p = JsonPath.parsePrefix(c);
      if (!p.keysOnly()) {
        throw new InvalidQueryException("fields: '" + p + "' has an array position; fields selects object keys only");
      }
      out.add(p);
      if (out.size() > MAX_FIELDS) {
        throw new InvalidQueryException("fields takes at most " + MAX_FIELDS + " paths");
      }
      if (c.atEnd()) {
        return out;
      }
      c.expect(',');
    }
  }

  private static void checkNames(Map<String, List<String>> params, Set<String> allowed, String endpoint) {
    for (var e : params.entrySet()) {
      if (!allowed.contains(e.getKey())) {
        throw new InvalidQueryException("unknown parameter '" + e.getKey() + "' for /api/v1/" + endpoint
            + " (known: " + String.join(", ", new TreeSet<>(allowed)) + ")");
      }
      if (e.getValue().size() > 1 && !REPEATABLE.contains(e.getKey())) {
        throw new InvalidQueryException("parameter '" + e.getKey() + "' is given " + e.getValue().size()
            + " times; it takes one value");
      }
    }
  }

  private static String single(Map<String, List<String>> params, String name) {
    List<String> values = params.get(name);
    return values == null || values.isEmpty() ? null : values.getFirst();
  }

  private static String one(Map<String, List<String>> params, String name, Pattern syntax, String expected) {
    String v = single(params, name);
    if (v != null && !syntax.matcher(v).matches()) {
      throw new InvalidQueryException(name + ": '" + v + "' is not " + expected);
    }
    return v;
  }

  private static List<String> many(Map<String, List<String>> params, String name, Pattern syntax, String expected) {
    List<String> values = params.getOrDefault(name, List.of());
    if (values.size() > MAX_LIST_VALUES) {
      throw new InvalidQueryException(name + " is given more than " + MAX_LIST_VALUES + " times");
    }
    for (String v : values) {
      if (!syntax.matcher(v).matches()) {
        throw new InvalidQueryException(name + ": '" + v + "' is not " + expected);
      }
    }
    return List.copyOf(new LinkedHashSet<>(values));
  }

  private static int limit(String text, int dflt) {
    if (text == null) {
      return dflt;
    }
    if (!text.matches("[0-9]{1,9}")) {
      throw new InvalidQueryException("limit: '" + text + "' is not a whole number");
    }
    int n = Integer.parseInt(text);
    if (n < 1 || n > MAX_LIMIT) {
      throw new InvalidQueryException("limit must be between 1 and " + MAX_LIMIT + ", got " + n);
    }
    return n;
  }

  private static boolean bool(String text, String name) {
    if (text == null || text.equals("false")) {
      return false;
    }
    if (text.equals("true")) {
      return true;
    }
    throw new InvalidQueryException(name + ": '" + text + "' is not true or false");
  }

  private static Instant instant(Map<String, List<String>> params, String name) {
    String v = single(params, name);
    if (v == null) {
      return null;
    }
    try {
      if (v.length() < 20 || v.charAt(10) != 'T') {
        throw new DateTimeParseException("not RFC 3339", v, 0);
      }
      return OffsetDateTime.parse(v, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      throw new InvalidQueryException(name + ": '" + v + "' is not an RFC 3339 timestamp like 2024-05-01T12:00:00Z");
    }
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new LinkedHashSet<>(a);
    out.addAll(b);
    return Set.copyOf(out);
  }
}
