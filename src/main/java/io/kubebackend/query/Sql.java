package io.kubebackend.query;

import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SQL text with its bind parameters in order, as a fragment or a whole statement. Every value a client sends
 * travels as a parameter; the text only ever holds SQL written in this package.
 *
 * <p>Parameters are String, Long, Integer, Double, BigDecimal, or String[] (a PostgreSQL {@code text[]}).
 */
public record Sql(String text, List<Object> params) {

  public Sql {
    params = List.copyOf(params);
  }

  public static Sql of(String text, Object... params) {
    return new Sql(text, Arrays.asList(params));
  }

  public static Sql of(String text, List<?> params) {
    return new Sql(text, new ArrayList<>(params));
  }

  public Sql append(Sql other) {
    List<Object> all = new ArrayList<>(params);
    all.addAll(other.params);
    return new Sql(text + other.text, all);
  }

  public Sql append(String more, Object... moreParams) {
    return append(of(more, moreParams));
  }

  /** {@code before + this + after}, for wrapping a fragment in a function or parentheses. */
  public Sql wrap(String before, String after) {
    return new Sql(before + text + after, params);
  }

  public static Sql join(String separator, List<Sql> parts) {
    Sql out = of("");
    for (int i = 0; i < parts.size(); i++) {
      out = out.append(i == 0 ? parts.get(i) : of(separator).append(parts.get(i)));
    }
    return out;
  }

  /** {@code ?, ?, ?} for a list of values. */
  public static Sql placeholders(List<?> values) {
    return of(String.join(", ", values.stream().map(v -> "?").toList()), values);
  }

  public void bind(PreparedStatement ps) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      Object p = params.get(i);
      switch (p) {
        case String s -> ps.setString(i + 1, s);
        case Long l -> ps.setLong(i + 1, l);
        case Integer n -> ps.setInt(i + 1, n);
        case Double d -> ps.setDouble(i + 1, d);
        case BigDecimal d -> ps.setBigDecimal(i + 1, d);
        case String[] a -> ps.setArray(i + 1, ps.getConnection().createArrayOf("text", a));
        default -> throw new IllegalArgumentException("unsupported parameter type " + p.getClass());
      }
    }
  }

  /** The text and parameters, arrays spelled out: for tests and logs. */
  @Override
  public String toString() {
    return text + " " + params.stream().map(p -> p instanceof String[] a ? Arrays.toString(a) : String.valueOf(p))
        .toList();
  }
}
