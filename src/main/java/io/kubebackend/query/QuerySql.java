package io.kubebackend.query;

import io.kubebackend.store.Dialect;
import io.kubebackend.store.ObjectKey;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of list queries, counts and aggregations over the objects table (alias {@code o}) for one database.
 * Dialect differences come from {@link QueryDialect}; everything here is the same on both.
 */
final class QuerySql {
  /** The primary key, ascending: the tie-break that makes every sort order total. */
  static final List<String> KEY_COLUMNS = List.of("o.cluster", "o.api_group", "o.resource", "o.namespace", "o.name");

  private static final String SAME_KEY = "%1$s.cluster = %2$s.cluster AND %1$s.api_group = %2$s.api_group"
      + " AND %1$s.resource = %2$s.resource AND %1$s.namespace = %2$s.namespace AND %1$s.name = %2$s.name";

  /**
   * Every object owned, directly or through other objects, by one uid. UNION (not UNION ALL) drops rows already
   * found, so even an ownership cycle ends.
   */
  private static final String DESCENDANTS = "WITH RECURSIVE descendants(cluster, api_group, resource, namespace,"
      + " name, uid) AS (SELECT c.cluster, c.api_group, c.resource, c.namespace, c.name, c.uid FROM object_owners w"
      + " JOIN objects c ON " + SAME_KEY.formatted("c", "w") + " WHERE w.owner_uid = ?"
      + " UNION SELECT c.cluster, c.api_group, c.resource, c.namespace, c.name, c.uid FROM descendants d"
      + " JOIN object_owners w ON w.cluster = d.cluster AND w.owner_uid = d.uid"
      + " JOIN objects c ON " + SAME_KEY.formatted("c", "w") + ") ";

  private final QueryDialect dialect;
  private final Dialect store;

  QuerySql(Dialect dialect) {
    this.dialect = QueryDialect.of(dialect);
    this.store = dialect;
  }

  /** The page of a list query, plus one row to tell whether another page follows. */
  Sql list(ObjectQuery q, ReadScope scope) {
    Sql select = Sql.of("SELECT " + String.join(", ", KEY_COLUMNS));
    for (int i = 0; i < q.sort().size(); i++) {
      select = select.append(", ").append(sortValue(q.sort().get(i))).append(" AS s" + i);
    }
    select = select.append(", " + store.jsonText("o.object") + ", o.seq FROM objects o");
    List<Sql> conditions = conditions(q.filter(), scope);
    if (q.after() != null) {
      conditions.add(keyset(q.sort(), q.after()));
    }
    List<String> order = new ArrayList<>();
    for (int i = 0; i < q.sort().size(); i++) {
      order.add("s" + i + (q.sort().get(i).descending() ? " DESC" : ""));
    }
    order.addAll(KEY_COLUMNS);
    return with(q.filter()).append(select).append(where(conditions))
        .append(" ORDER BY " + String.join(", ", order) + " LIMIT ?", (long) q.limit() + 1)
        .append(q.offset() > 0 ? Sql.of(" OFFSET ?", q.offset()) : Sql.of(""));
  }

  /** One object's JSON by its key. */
  Sql get(ObjectKey key) {
    return Sql.of("SELECT " + store.jsonText("o.object") + ", o.seq FROM objects o WHERE o.cluster = ? AND o.api_group = ?"
        + " AND o.resource = ? AND o.namespace = ? AND o.name = ?", key.cluster(), key.group(), key.resource(),
        key.namespace(), key.name());
  }

  /** The outbox seq of the newest committed change (the allocation counter, which never moves back). */
  Sql head() {
    return Sql.of("SELECT last FROM outbox_seq WHERE id = 1");
  }

  /** How many objects the filter matches, ignoring paging. */
  Sql count(ObjectFilter filter, ReadScope scope) {
    return with(filter).append("SELECT COUNT(*) FROM objects o").append(where(conditions(filter, scope)));
  }

  /** Group keys then the count per group, groups ordered by their keys (nulls last), one more than the limit. */
  Sql aggregate(Aggregation a, ReadScope scope) {
    Sql inner = Sql.of("SELECT ");
    List<String> names = new ArrayList<>();
    List<String> order = new ArrayList<>();
    for (int i = 0; i < a.groupBy().size(); i++) {
      inner = inner.append(i == 0 ? "" : ", ").append(groupValue(a.groupBy().get(i))).append(" AS g" + i);
      names.add("g" + i);
      order.add("g" + i + " IS NULL, g" + i);
    }
    inner = inner.append(" FROM objects o").append(where(conditions(a.filter(), scope)));
    String groups = String.join(", ", names);
    return with(a.filter()).append("SELECT " + groups + ", COUNT(*) FROM (").append(inner)
        .append(") g GROUP BY " + groups + " ORDER BY " + String.join(", ", order) + " LIMIT ?", a.limit() + 1);
  }

  /** The value a sort key orders by; never NULL, so that keyset comparisons always hold or fail. */
  Sql sortValue(SortKey key) {
    return switch (key.source()) {
      case CLUSTER -> Sql.of("o.cluster");
      case KIND -> Sql.of("o.kind");
      case NAMESPACE -> Sql.of("o.namespace");
      case NAME -> Sql.of("o.name");
      case CREATED -> Sql.of("COALESCE(o.created_ms, 0)");
      case PATH -> dialect.pathText(key.path()).wrap("COALESCE(", ", '')");
    };
  }

  private Sql groupValue(Aggregation.GroupBy g) {
    return switch (g) {
      case Aggregation.Column c -> Sql.of(switch (c.dimension()) {
        case CLUSTER -> "o.cluster";
        case NAMESPACE -> "o.namespace";
        case KIND -> "o.kind";
        case GROUP -> "o.api_group";
        case RESOURCE -> "o.resource";
      });
      case Aggregation.Label l -> dialect.labelValue(l.key());
      case Aggregation.Path p -> dialect.pathText(p.path());
    };
  }

  private static Sql with(ObjectFilter f) {
    return f.descendantsOf() == null ? Sql.of("") : Sql.of(DESCENDANTS, f.descendantsOf());
  }

  private static Sql where(List<Sql> conditions) {
    return conditions.isEmpty() ? Sql.of("") : Sql.join(" AND ", conditions).wrap(" WHERE ", "");
  }

  /** The conditions of a filter and a read scope, each a complete boolean expression. */
  List<Sql> conditions(ObjectFilter f, ReadScope scope) {
    List<Sql> out = new ArrayList<>();
    if (!scope.unrestricted()) {
      out.add(scope(scope));
    }
    if (!f.clusters().isEmpty()) {
      out.add(Sql.of("o.cluster IN (").append(Sql.placeholders(f.clusters())).append(")"));
    }
    if (f.group() != null) {
      out.add(Sql.of("o.api_group = ?", f.group()));
    }
    if (f.resource() != null) {
      out.add(Sql.of("o.resource = ?", f.resource()));
    }
    if (f.kind() != null) {
      out.add(Sql.of("o.kind = ?", f.kind()));
    }
    if (!f.namespaces().isEmpty()) {
      out.add(Sql.of("o.namespace IN (").append(Sql.placeholders(f.namespaces())).append(")"));
    }
    for (LabelSelector.Requirement r : f.labels().requirements()) {
      out.add(dialect.labelRequirement(r));
    }
    for (FieldCondition c : f.fields()) {
      out.add(field(c));
    }
    if (f.nameContains() != null) {
      out.add(dialect.contains(Sql.of("o.name"), f.nameContains()));
    }
    if (f.ownerUid() != null) {
      out.add(Sql.of("EXISTS (SELECT 1 FROM object_owners w WHERE w.owner_uid = ? AND "
          + SAME_KEY.formatted("w", "o") + ")", f.ownerUid()));
    }
    if (f.descendantsOf() != null) {
      out.add(Sql.of("EXISTS (SELECT 1 FROM descendants d WHERE " + SAME_KEY.formatted("d", "o") + ")"));
    }
    if (f.createdSince() != null) {
      out.add(Sql.of("o.created_ms >= ?", f.createdSince().toEpochMilli()));
    }
    if (f.createdBefore() != null) {
      out.add(Sql.of("o.created_ms < ?", f.createdBefore().toEpochMilli()));
    }
    return out;
  }

  private Sql scope(ReadScope scope) {
    if (scope.grants().isEmpty()) {
      return Sql.of(store.bool(false));
    }
    List<Sql> grants = new ArrayList<>();
    for (ReadScope.Grant g : scope.grants()) {
      List<Sql> parts = new ArrayList<>();
      if (g.cluster() != null) {
        parts.add(Sql.of("o.cluster = ?", g.cluster()));
      }
      if (g.namespace() != null) {
        parts.add(Sql.of("o.namespace = ?", g.namespace()));
      }
      if (g.group() != null) {
        parts.add(Sql.of("o.api_group = ?", g.group()));
      }
      if (g.resource() != null) {
        parts.add(Sql.of("o.resource = ?", g.resource()));
      }
      grants.add(parts.isEmpty() ? Sql.of(store.bool(true)) : Sql.join(" AND ", parts).wrap("(", ")"));
    }
    return Sql.join(" OR ", grants).wrap("(", ")");
  }

  private Sql field(FieldCondition c) {
    JsonPath p = c.path();
    return switch (c.op()) {
      case EXISTS -> dialect.pathExists(p);
      case NOT_EXISTS -> dialect.pathExists(p).wrap("NOT (", ")");
      case EQUALS -> dialect.pathText(p).append(" = ?", c.values().getFirst());
      case NOT_EQUALS -> dialect.distinctFrom(dialect.pathText(p), c.values().getFirst());
      case FIELD_IS -> dialect.pathText(p).wrap("COALESCE(", ", '') = ?").append(Sql.of("", c.values().getFirst()));
      case FIELD_IS_NOT -> dialect.pathText(p).wrap("COALESCE(", ", '') <> ?")
          .append(Sql.of("", c.values().getFirst()));
      case CONTAINS -> dialect.contains(dialect.pathText(p), c.values().getFirst());
      case IN -> dialect.pathText(p).append(" IN (").append(Sql.placeholders(c.values())).append(")");
      case NOT_IN -> dialect.pathText(p).wrap("COALESCE(", " NOT IN (").append(Sql.placeholders(c.values()))
          .append("), " + store.bool(true) + ")");
      case LESS, LESS_OR_EQUAL, GREATER, GREATER_OR_EQUAL -> {
        String op = c.op().symbol;
        yield switch (c.comparand()) {
          case FieldCondition.Number n -> dialect.pathNumber(p).wrap("(", ") " + op + " ?")
              .append(Sql.of("", dialect.number(n.value())));
          case FieldCondition.Timestamp t -> dialect.pathEpochMicros(p).wrap("(", ") " + op + " ?")
              .append(Sql.of("", t.epochMicros()));
        };
      }
    };
  }

  /**
   * Rows strictly after the position of a continue token in the query's order. When every key goes the same way
   * this is one row-value comparison, which both databases answer from an index on those columns; mixed
   * directions expand to "k1 after, or k1 equal and k2 after, or ...".
   */
  Sql keyset(List<SortKey> sort, ContinueToken after) {
    List<Sql> exprs = new ArrayList<>();
    List<Boolean> descending = new ArrayList<>();
    for (SortKey k : sort) {
      exprs.add(sortValue(k));
      descending.add(k.descending());
    }
    for (String column : KEY_COLUMNS) {
      exprs.add(Sql.of(column));
      descending.add(false);
    }
    List<Object> values = after.values();
    if (descending.stream().distinct().count() == 1) {
      String op = descending.getFirst() ? " < " : " > ";
      return Sql.join(", ", exprs).wrap("(", ")" + op + "(").append(Sql.placeholders(values)).append(")");
    }
    List<Sql> alternatives = new ArrayList<>();
    for (int i = 0; i < exprs.size(); i++) {
      List<Sql> parts = new ArrayList<>();
      for (int j = 0; j < i; j++) {
        parts.add(exprs.get(j).append(" = ?", values.get(j)));
      }
      parts.add(exprs.get(i).append(descending.get(i) ? " < ?" : " > ?", values.get(i)));
      alternatives.add(Sql.join(" AND ", parts).wrap("(", ")"));
    }
    return Sql.join(" OR ", alternatives).wrap("(", ")");
  }
}
