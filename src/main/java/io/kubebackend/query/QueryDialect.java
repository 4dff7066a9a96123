package io.kubebackend.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubebackend.store.Dialect;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * How each database reads the JSON of the objects table (alias {@code o}) for queries: the one place where the
 * query SQL of PostgreSQL (jsonb operators, GIN containment for labels) and SQLite (json_extract with a bound
 * path) differ. Storage, transactions and literals are {@link Dialect}'s. JSON paths are always bound parameters: a {@code text[]} on PostgreSQL, a path string on SQLite.
 */
sealed interface QueryDialect permits QueryDialect.Postgres, QueryDialect.Sqlite {

  static QueryDialect of(Dialect dialect) {
    return dialect == Dialect.POSTGRESQL ? new Postgres() : new Sqlite();
  }

  /** The value's text: a string as itself, numbers and booleans in JSON form, NULL if missing or JSON null. */
  Sql pathText(JsonPath path);

  /** True if the path exists (also when its value is JSON null). */
  Sql pathExists(JsonPath path);

  /** The value as a number if it is a JSON number, else NULL. */
  Sql pathNumber(JsonPath path);

  /** The value as epoch microseconds if it is an RFC 3339 timestamp string, else NULL. */
  Sql pathEpochMicros(JsonPath path);

  /** The value of one label, NULL if the object lacks it. */
  Sql labelValue(String key);

  /** One label-selector requirement as a condition, with the apiserver's semantics. */
  Sql labelRequirement(LabelSelector.Requirement r);

  /** True if {@code haystack} contains {@code needle} (case-sensitive); NULL haystacks do not. */
  Sql contains(Sql haystack, String needle);

  /** Null-safe "differs from": true when {@code left} is NULL. */
  Sql distinctFrom(Sql left, String value);

  /** The bind parameter for a number compared with {@link #pathNumber}. */
  Object number(BigDecimal n);


  final class Postgres implements QueryDialect {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Sql pathText(JsonPath path) {
      return Sql.of("(o.object #>> ?::text[])", (Object) path.postgresPath());
    }

    @Override
    public Sql pathExists(JsonPath path) {
      return Sql.of("(o.object #> ?::text[]) IS NOT NULL", (Object) path.postgresPath());
    }

    @Override
    public Sql pathNumber(JsonPath path) {
      return Sql.of("CASE WHEN jsonb_typeof(o.object #> ?::text[]) = 'number' THEN (o.object #>> ?::text[])::numeric"
          + " END", path.postgresPath(), path.postgresPath());
    }

    @Override
    public Sql pathEpochMicros(JsonPath path) {
      // kb_rfc3339_micros (migration V4) returns NULL for text that is not a valid RFC 3339 timestamp, where a
      // plain cast would fail the whole query.
      return pathText(path).wrap("kb_rfc3339_micros(", ")");
    }

    @Override
    public Sql labelValue(String key) {
      return Sql.of("(o.labels ->> ?)", key);
    }

    @Override
    public Sql labelRequirement(LabelSelector.Requirement r) {
      // Equality goes through "labels @> {key: value}", which the GIN index (jsonb_path_ops) answers.
      return switch (r.operator()) {
        case EQUALS -> labelsContain(r.key(), r.values().getFirst());
        case NOT_EQUALS -> labelsContain(r.key(), r.values().getFirst()).wrap("NOT (", ")");
        case IN -> anyContains(r);
        case NOT_IN -> anyContains(r).wrap("NOT ", "");
        case EXISTS -> labelValue(r.key()).append(" IS NOT NULL");
        case DOES_NOT_EXIST -> labelValue(r.key()).append(" IS NULL");
        case GREATER_THAN, LESS_THAN -> Sql.of("CASE WHEN (o.labels ->> ?) ~ '^[0-9]{1,18}$' THEN (o.labels ->> ?)"
                + "::bigint END " + (r.operator() == LabelSelector.Operator.GREATER_THAN ? ">" : "<") + " ?",
            r.key(), r.key(), Long.parseLong(r.values().getFirst()));
      };
    }

    private static Sql labelsContain(String key, String value) {
      try {
        return Sql.of("o.labels @> ?::jsonb", JSON.writeValueAsString(Map.of(key, value)));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    private static Sql anyContains(LabelSelector.Requirement r) {
      List<Sql> each = r.values().stream().map(v -> labelsContain(r.key(), v)).toList();
      return Sql.join(" OR ", each).wrap("(", ")");
    }

    @Override
    public Sql contains(Sql haystack, String needle) {
      return haystack.wrap("strpos(", ", ?) > 0").append(Sql.of("", needle));
    }

    @Override
    public Sql distinctFrom(Sql left, String value) {
      return left.append(" IS DISTINCT FROM ?", value);
    }

    @Override
    public Object number(BigDecimal n) {
      return n;
    }

  }

  final class Sqlite implements QueryDialect {
    /** A string that looks like an RFC 3339 timestamp; unixepoch() then parses it (NULL if it cannot). */
    private static final String TIMESTAMP_GLOB =
        "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*'";

    @Override
    public Sql pathText(JsonPath path) {
      // json_extract returns booleans as 1/0 and numbers as numbers; spell them as JSON text like PostgreSQL does.
      return Sql.of("(CASE json_type(o.object, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'"
          + " ELSE CAST(json_extract(o.object, ?) AS TEXT) END)", path.sqlitePath(), path.sqlitePath());
    }

    @Override
    public Sql pathExists(JsonPath path) {
      return Sql.of("json_type(o.object, ?) IS NOT NULL", path.sqlitePath());
    }

    @Override
    public Sql pathNumber(JsonPath path) {
      return Sql.of("CASE WHEN json_type(o.object, ?) IN ('integer', 'real') THEN json_extract(o.object, ?) END",
          path.sqlitePath(), path.sqlitePath());
    }

    @Override
    public Sql pathEpochMicros(JsonPath path) {
      // unixepoch(..., 'subsec') has millisecond precision.
      return Sql.of("CASE WHEN json_extract(o.object, ?) GLOB " + TIMESTAMP_GLOB + " THEN CAST(round(unixepoch("
          + "json_extract(o.object, ?), 'subsec') * 1000) AS INTEGER) * 1000 END", path.sqlitePath(),
          path.sqlitePath());
    }

    @Override
    public Sql labelValue(String key) {
      return Sql.of("json_extract(o.labels, ?)", labelPath(key));
    }

    private static String labelPath(String key) {
      return new JsonPath(List.of(new JsonPath.Key(key))).sqlitePath();
    }

    @Override
    public Sql labelRequirement(LabelSelector.Requirement r) {
      Sql value = labelValue(r.key());
      return switch (r.operator()) {
        case EQUALS -> value.append(" = ?", r.values().getFirst());
        case NOT_EQUALS -> value.append(" IS NOT ?", r.values().getFirst());
        case IN -> value.append(" IN (").append(Sql.placeholders(r.values())).append(")");
        case NOT_IN -> value.wrap("COALESCE(", " NOT IN (").append(Sql.placeholders(r.values())).append("), 1)");
        case EXISTS -> value.append(" IS NOT NULL");
        case DOES_NOT_EXIST -> value.append(" IS NULL");
        case GREATER_THAN, LESS_THAN -> Sql.of("CASE WHEN length(json_extract(o.labels, ?)) BETWEEN 1 AND 18"
                + " AND json_extract(o.labels, ?) NOT GLOB '*[^0-9]*' THEN CAST(json_extract(o.labels, ?) AS INTEGER)"
                + " END " + (r.operator() == LabelSelector.Operator.GREATER_THAN ? ">" : "<") + " ?",
            labelPath(r.key()), labelPath(r.key()), labelPath(r.key()),
            Long.parseLong(r.values().getFirst()));
      };
    }

    @Override
    public Sql contains(Sql haystack, String needle) {
      return haystack.wrap("instr(", ", ?) > 0").append(Sql.of("", needle));
    }

    @Override
    public Sql distinctFrom(Sql left, String value) {
      return left.append(" IS NOT ?", value);
    }

    @Override
    public Object number(BigDecimal n) {
      // sqlite-jdbc binds BigDecimal as text, and SQLite orders every number before every text.
      try {
        return n.longValueExact();
      } catch (ArithmeticException e) {
        return n.doubleValue();
      }
    }

  }
}
