package io.kubebackend.query;

import io.kubebackend.store.Dialect;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The SQL of an {@link SearchFilter} for one dialect. Every value from the request (names, JSON path keys,
 * searched text) is a bind parameter; only column names and placeholders are written into the SQL.
 */
final class SearchFilterSql {

  /** SQL text and its bind values in order. */
  record Query(String sql, List<Object> params) {}

  private SearchFilterSql() {}

  static Query count(Dialect dialect, SearchFilter f) {
    List<Object> params = new ArrayList<>();
    String sql = "SELECT COUNT(*) FROM objects WHERE " + where(dialect, f, params);
    return new Query(sql, params);
  }

  /** Objects ordered by namespace, then name; {@code offset} rows skipped. */
  static Query page(Dialect dialect, SearchFilter f, int limit, long offset) {
    List<Object> params = new ArrayList<>();
    String sql = "SELECT " + dialect.jsonText("object") + " FROM objects WHERE " + where(dialect, f, params)
        + " ORDER BY namespace, name LIMIT ? OFFSET ?";
    params.add(limit);
    params.add(offset);
    return new Query(sql, params);
  }

  private static String where(Dialect dialect, SearchFilter f, List<Object> params) {
    StringBuilder sql = new StringBuilder("cluster = ? AND api_group = ? AND resource = ?");
    params.add(f.cluster());
    params.add(f.group());
    params.add(f.resource());
    if (f.namespaces() != null) {
      List<String> sorted = f.namespaces().stream().sorted().toList();
      sql.append(" AND namespace IN (").append(String.join(", ", Collections.nCopies(sorted.size(), "?"))).append(')');
      params.addAll(sorted);
    }
    for (FieldMatch m : f.matches()) {
      sql.append(" AND ").append(dialect.containsParam(dialect.jsonPathText("object", m.path().size())));
      params.addAll(dialect.jsonPathArgs(m.path()));
      params.add(m.value());
    }
    return sql.toString();
  }
}
