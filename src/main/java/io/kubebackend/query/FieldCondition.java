package io.kubebackend.query;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A condition on the value at a {@link JsonPath} of an object, the {@code field} query parameter:
 *
 * <pre>
 *   condition = "!" path                        ; the path does not exist
 *             / path                            ; the path exists (any value, also null)
 *             / path op value                   ; value: everything after the operator, verbatim
 *             / path 1*" " ("in" / "notin") *" " "(" value *( "," value ) ")"   ; values trimmed
 *   op        = "=" / "==" / "!=" / "~" / "<" / "<=" / ">" / ">="
 * </pre>
 *
 * <p>{@code =}, {@code !=}, {@code in}, {@code notin} compare the value's text: a string as itself, a number or
 * boolean in its JSON form ({@code 3}, {@code true}). {@code !=} and {@code notin} also match objects without the
 * path, like their label-selector namesakes. {@code ~} is "contains" (case-sensitive substring).
 * {@code <}, {@code <=}, {@code >}, {@code >=} take a number or an RFC 3339 timestamp: a number compares
 * numerically with JSON numbers only; a timestamp compares as an instant with strings that are RFC 3339
 * timestamps. A value of another type never matches an ordering comparison.
 */
public record FieldCondition(JsonPath path, Op op, List<String> values, Comparand comparand) {
  static final int MAX_LENGTH = 4096;
  static final int MAX_VALUES = 100;
  /** Operator symbols, two-character ones first so that "<=" is not read as "<" followed by "=...". */
  private static final List<String> OPERATORS = List.of("==", "!=", "<=", ">=", "=", "~", "<", ">");
  private static final Pattern NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

  public enum Op {
    EXISTS(""), NOT_EXISTS("!"), EQUALS("="), NOT_EQUALS("!="), CONTAINS("~"), IN(" in "), NOT_IN(" notin "),
    LESS("<"), LESS_OR_EQUAL("<="), GREATER(">"), GREATER_OR_EQUAL(">="),
    /**
     * Field-selector equality ({@link FieldSelector}, not the query language): a missing field reads as "", as the
     * apiserver reads it, so {@code spec.nodeName=} finds unscheduled pods.
     */
    FIELD_IS("="),
    /** Field-selector inequality: a missing field reads as "". */
    FIELD_IS_NOT("!=");

    final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    boolean ordering() {
      return this == LESS || this == LESS_OR_EQUAL || this == GREATER || this == GREATER_OR_EQUAL;
    }
  }

  /** The typed right-hand side of an ordering comparison. */
  public sealed interface Comparand permits Number, Timestamp {}

  public record Number(BigDecimal value) implements Comparand {}

  /** An instant, kept as epoch microseconds (the finest precision Kubernetes timestamps have). */
  public record Timestamp(long epochMicros) implements Comparand {}

  public FieldCondition {
    values = List.copyOf(values);
  }

  @Override
  public String toString() {
    return switch (op) {
      case EXISTS -> path.toString();
      case NOT_EXISTS -> "!" + path;
      case IN, NOT_IN -> path + op.symbol + "(" + String.join(",", values) + ")";
      default -> path + op.symbol + values.getFirst();
    };
  }

  /** Parses one condition; throws {@link InvalidQueryException} naming the problem. */
  public static FieldCondition parse(String text) {
    if (text.length() > MAX_LENGTH) {
      throw new InvalidQueryException("field condition longer than " + MAX_LENGTH + " characters");
    }
    JsonPath.Cursor c = new JsonPath.Cursor(text, "field condition");
    boolean negated = !c.atEnd() && c.peek() == '!';
    if (negated) {
      c.pos++;
    }
    JsonPath path = JsonPath.parsePrefix(c);
    if (c.atEnd()) {
      return new FieldCondition(path, negated ? Op.NOT_EXISTS : Op.EXISTS, List.of(), null);
    }
    if (negated) {
      throw invalid(text, "'!path' (does not exist) takes no operator");
    }
    String rest = text.substring(c.pos);
    if (rest.startsWith(" ")) {
      return set(text, path, rest.stripLeading());
    }
    String symbol = OPERATORS.stream().filter(rest::startsWith).findFirst().orElseThrow(() -> invalid(text,
        "expected an operator (=, ==, !=, ~, <, <=, >, >=, in, notin) after '" + path + "', found '"
            + rest.charAt(0) + "'"));
    Op op = switch (symbol) {
      case "==", "=" -> Op.EQUALS;
      case "!=" -> Op.NOT_EQUALS;
      case "<=" -> Op.LESS_OR_EQUAL;
      case ">=" -> Op.GREATER_OR_EQUAL;
      case "~" -> Op.CONTAINS;
      case "<" -> Op.LESS;
      default -> Op.GREATER;
    };
    String value = rest.substring(symbol.length());
    if (op == Op.CONTAINS && value.isEmpty()) {
      throw invalid(text, "'~' (contains) needs a non-empty value");
    }
    Comparand comparand = op.ordering() ? comparand(text, op, value) : null;
    return new FieldCondition(path, op, List.of(value), comparand);
  }

  private static FieldCondition set(String text, JsonPath path, String rest) {
    Op op;
    if (rest.startsWith("notin")) {
      op = Op.NOT_IN;
      rest = rest.substring(5);
    } else if (rest.startsWith("in")) {
      op = Op.IN;
      rest = rest.substring(2);
    } else {
      throw invalid(text, "expected 'in' or 'notin' after '" + path + " ' (other operators take no spaces)");
    }
    rest = rest.stripLeading();
    if (!rest.startsWith("(") || !rest.endsWith(")")) {
      throw invalid(text, "'" + op.symbol.strip() + "' takes a list in parentheses: (a,b)");
    }
    List<String> values = new ArrayList<>();
    for (String v : rest.substring(1, rest.length() - 1).split(",", -1)) {
      values.add(v.strip());
    }
    if (values.size() > MAX_VALUES) {
      throw invalid(text, "at most " + MAX_VALUES + " values in a list");
    }
    return new FieldCondition(path, op, values, null);
  }

  private static Comparand comparand(String text, Op op, String value) {
    if (NUMBER.matcher(value).matches()) {
      BigDecimal n = new BigDecimal(value);
      if (n.abs().compareTo(BigDecimal.TEN.pow(300)) > 0 || n.scale() > 300) {
        throw invalid(text, "number out of range: " + value);
      }
      return new Number(n);
    }
    try {
      OffsetDateTime t = OffsetDateTime.parse(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
      if (value.length() < 20 || value.charAt(10) != 'T') {
        throw new DateTimeParseException("not RFC 3339", value, 0);
      }
      var instant = t.toInstant();
      return new Timestamp(Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L),
          instant.getNano() / 1_000));
    } catch (DateTimeParseException | ArithmeticException e) {
      throw invalid(text, "'" + op.symbol + "' compares numbers or RFC 3339 timestamps (2024-05-01T12:00:00Z); '"
          + value + "' is neither");
    }
  }

  private static InvalidQueryException invalid(String text, String problem) {
    return new InvalidQueryException("invalid field condition '" + text + "': " + problem);
  }
}
