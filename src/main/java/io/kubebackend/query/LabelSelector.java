package io.kubebackend.query;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector ({@code app=web,tier in (a,b),!canary}), parsed with the apiserver's grammar and
 * semantics so that the same selector selects the same objects from the database as from kube-apiserver:
 *
 * <pre>
 *   selector    = requirement *( "," requirement )
 *   requirement = [ "!" ] KEY [ ( "=" / "==" / "!=" / ">" / "<" ) VALUE
 *                             / ( "in" / "notin" ) "(" VALUE *( "," VALUE ) ")" ]
 * </pre>
 *
 * <p>{@code !=} and {@code notin} also match objects without the label; {@code >} and {@code <} compare integer
 * values and never match a label that is not an integer. Keys are qualified names ({@code [prefix/]name}), values
 * at most 63 characters of {@code [A-Za-z0-9_.-]}, possibly empty. Error messages follow the apiserver's.
 *
 * @param requirements all must hold; sorted by key, as the apiserver sorts them
 */
public record LabelSelector(List<Requirement> requirements) {
  public static final LabelSelector EVERYTHING = new LabelSelector(List.of());
  static final int MAX_LENGTH = 4096;

  private static final String NAME_RE = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
  private static final Pattern NAME = Pattern.compile(NAME_RE);
  private static final String VALUE_RE = "(" + NAME_RE + ")?";
  private static final Pattern VALUE = Pattern.compile(VALUE_RE);
  private static final String SUBDOMAIN_RE = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
  private static final Pattern SUBDOMAIN = Pattern.compile(SUBDOMAIN_RE);
  private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");

  public enum Operator {
    EQUALS("="), NOT_EQUALS("!="), IN("in"), NOT_IN("notin"), EXISTS(""), DOES_NOT_EXIST("!"),
    GREATER_THAN(">"), LESS_THAN("<");

    final String symbol;

    Operator(String symbol) {
      this.symbol = symbol;
    }
  }

  /** One condition on one label. {@code values} are sorted and distinct, as the apiserver keeps them. */
  public record Requirement(String key, Operator operator, List<String> values) {
    public Requirement {
      values = List.copyOf(new TreeSet<>(values));
    }

    @Override
    public String toString() {
      return switch (operator) {
        case EXISTS -> key;
        case DOES_NOT_EXIST -> "!" + key;
        case IN, NOT_IN -> key + " " + operator.symbol + " (" + String.join(",", values) + ")";
        default -> key + operator.symbol + values.getFirst();
      };
    }
  }

  public LabelSelector {
    requirements = requirements.stream().sorted(Comparator.comparing(Requirement::key)).toList();
  }

  public boolean isEmpty() {
    return requirements.isEmpty();
  }

  /** The canonical form, as the apiserver prints a parsed selector. */
  @Override
  public String toString() {
    return String.join(",", requirements.stream().map(Requirement::toString).toList());
  }

  /** Parses a selector; null or blank is {@link #EVERYTHING}. Throws {@link InvalidQueryException}. */
  public static LabelSelector parse(String text) {
    if (text == null) {
      return EVERYTHING;
    }
    if (text.length() > MAX_LENGTH) {
      throw invalid(text, "longer than " + MAX_LENGTH + " characters");
    }
    return new LabelSelector(new Parser(text, Lexer.scan(text)).selector());
  }

  private static InvalidQueryException invalid(String text, String problem) {
    return new InvalidQueryException("invalid labelSelector \"" + text + "\": " + problem);
  }

  // --- lexer: identifiers run until whitespace or one of = ! ( ) , > < ---

  private enum Tok { END, CLOSE, COMMA, NOT, DOUBLE_EQUALS, EQUALS, GT, ID, IN, LT, NOT_EQUALS, NOT_IN, OPEN, ERROR }

  private record Token(Tok type, String text) {}

  private static final class Lexer {
    static List<Token> scan(String s) {
      List<Token> out = new ArrayList<>();
      int i = 0;
      while (true) {
        while (i < s.length() && isSpace(s.charAt(i))) {
          i++;
        }
        if (i >= s.length()) {
          out.add(new Token(Tok.END, ""));
          return out;
        }
        char ch = s.charAt(i);
        if (isSpecial(ch)) {
          // Longest operator made of special characters: "!=" and "==" before "!" and "=".
          String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
          if (two.equals("!=") || two.equals("==")) {
            out.add(new Token(two.equals("!=") ? Tok.NOT_EQUALS : Tok.DOUBLE_EQUALS, two));
            i += 2;
          } else {
            Tok t = switch (ch) {
              case '=' -> Tok.EQUALS;
              case '!' -> Tok.NOT;
              case '(' -> Tok.OPEN;
              case ')' -> Tok.CLOSE;
              case ',' -> Tok.COMMA;
              case '>' -> Tok.GT;
              default -> Tok.LT;
            };
            out.add(new Token(t, String.valueOf(ch)));
            i++;
          }
          continue;
        }
        int start = i;
        while (i < s.length() && !isSpace(s.charAt(i)) && !isSpecial(s.charAt(i))) {
          i++;
        }
        String word = s.substring(start, i);
        out.add(new Token(word.equals("in") ? Tok.IN : word.equals("notin") ? Tok.NOT_IN : Tok.ID, word));
      }
    }

    private static boolean isSpace(char ch) {
      return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
    }

    private static boolean isSpecial(char ch) {
      return ch == '=' || ch == '!' || ch == '(' || ch == ')' || ch == ',' || ch == '>' || ch == '<';
    }
  }

  // --- parser: the apiserver's recursive descent, "in"/"notin" read as identifiers where values are expected ---

  private static final class Parser {
    private final String text;
    private final List<Token> tokens;
    private int pos;

    Parser(String text, List<Token> tokens) {
      this.text = text;
      this.tokens = tokens;
    }

    /** The token at the cursor; where a value is expected, the keywords in/notin are plain identifiers. */
    private Tok peekValue() {
      Tok t = tokens.get(pos).type();
      return t == Tok.IN || t == Tok.NOT_IN ? Tok.ID : t;
    }

    private Token next() {
      return tokens.get(pos++);
    }

    List<Requirement> selector() {
      List<Requirement> out = new ArrayList<>();
      while (true) {
        Tok t = peekValue();
        if (t == Tok.END) {
          return out;
        }
        if (t != Tok.ID && t != Tok.NOT) {
          throw invalid(text, "found '" + tokens.get(pos).text() + "', expected: !, identifier, or 'end of string'");
        }
        out.add(requirement());
        Token after = next();
        if (after.type() == Tok.END) {
          return out;
        }
        if (after.type() != Tok.COMMA) {
          throw invalid(text, "found '" + after.text() + "', expected: ',' or 'end of string'");
        }
        Tok t2 = peekValue();
        if (t2 != Tok.ID && t2 != Tok.NOT) {
          throw invalid(text, "found '" + tokens.get(pos).text() + "', expected: identifier after ','");
        }
      }
    }

    private Requirement requirement() {
      boolean negated = false;
      Token key = next();
      if (key.type() == Tok.NOT) {
        negated = true;
        key = next();
      }
      if (key.type() != Tok.ID && key.type() != Tok.IN && key.type() != Tok.NOT_IN) {
        throw requirementError("found '" + key.text() + "', expected: identifier");
      }
      validateKey(key.text());
      Tok after = peekValue();
      if (negated) {
        return new Requirement(key.text(), Operator.DOES_NOT_EXIST, List.of());
      }
      if (after == Tok.END || after == Tok.COMMA) {
        return new Requirement(key.text(), Operator.EXISTS, List.of());
      }
      Token op = next();
      Operator operator = switch (op.type()) {
        case EQUALS, DOUBLE_EQUALS -> Operator.EQUALS;
        case NOT_EQUALS -> Operator.NOT_EQUALS;
        case IN -> Operator.IN;
        case NOT_IN -> Operator.NOT_IN;
        case GT -> Operator.GREATER_THAN;
        case LT -> Operator.LESS_THAN;
        default -> throw requirementError("found '" + op.text() + "', expected: in, notin, =, ==, !=, gt, lt");
      };
      List<String> values = operator == Operator.IN || operator == Operator.NOT_IN ? valueSet() : exactValue();
      for (String v : values) {
        validateValue(key.text(), v);
      }
      if (operator == Operator.GREATER_THAN || operator == Operator.LESS_THAN) {
        String v = values.getFirst();
        if (!INTEGER.matcher(v).matches() || !fitsLong(v)) {
          throw requirementError("values[0]: Invalid value: \"" + v
              + "\": for 'Gt', 'Lt' operators, the value must be an integer");
        }
      }
      return new Requirement(key.text(), operator, values);
    }

    private List<String> exactValue() {
      Tok t = peekValue();
      if (t == Tok.END || t == Tok.COMMA) {
        return List.of("");
      }
      Token v = next();
      if (v.type() == Tok.ID || v.type() == Tok.IN || v.type() == Tok.NOT_IN) {
        return List.of(v.text());
      }
      throw requirementError("found '" + v.text() + "', expected: identifier");
    }

    /** {@code ( v1, v2 )}; empty members are the empty value, and {@code ()} is the set of the empty value. */
    private List<String> valueSet() {
      Token open = next();
      if (open.type() != Tok.OPEN) {
        throw requirementError("found '" + open.text() + "' expected: '('");
      }
      Tok t = peekValue();
      if (t == Tok.CLOSE) {
        next();
        return List.of("");
      }
      if (t != Tok.ID && t != Tok.COMMA) {
        throw requirementError("found '" + tokens.get(pos).text() + "', expected: ',', ')' or identifier");
      }
      List<String> values = new ArrayList<>();
      while (true) {
        Token v = next();
        Tok vt = v.type() == Tok.IN || v.type() == Tok.NOT_IN ? Tok.ID : v.type();
        if (vt == Tok.ID) {
          values.add(v.text());
          Tok after = peekValue();
          if (after == Tok.CLOSE) {
            next();
            return values;
          }
          if (after != Tok.COMMA) {
            throw requirementError("found '" + tokens.get(pos).text() + "', expected: ',' or ')'");
          }
        } else if (vt == Tok.COMMA) {
          // A comma with nothing before it, or before ')' or another comma, stands for the empty value.
          if (values.isEmpty()) {
            values.add("");
          }
          Tok after = peekValue();
          if (after == Tok.CLOSE) {
            values.add("");
            next();
            return values;
          }
          if (after == Tok.COMMA) {
            values.add("");
          }
        } else {
          throw requirementError("found '" + v.text() + "', expected: ',', or identifier");
        }
      }
    }

    private void validateKey(String key) {
      String problem = keyProblem(key);
      if (problem != null) {
        throw requirementError("Invalid value: \"" + key + "\": " + problem);
      }
    }

    private void validateValue(String key, String value) {
      if (value.length() > 63) {
        throw requirementError("values[" + key + "]: Invalid value: \"" + value
            + "\": must be no more than 63 characters");
      }
      if (!VALUE.matcher(value).matches()) {
        throw requirementError("values[" + key + "]: Invalid value: \"" + value + "\": a valid label must be an "
            + "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            + "alphanumeric character (regex used for validation is '" + VALUE_RE + "')");
      }
    }

    private InvalidQueryException requirementError(String detail) {
      return invalid(text, "unable to parse requirement: " + detail);
    }
  }

  /** Why a label key is not a qualified name ({@code [DNS-subdomain/]name}), or null if it is one. */
  static String keyProblem(String key) {
    String[] parts = key.split("/", -1);
    String name;
    if (parts.length == 1) {
      name = parts[0];
    } else if (parts.length == 2) {
      String prefix = parts[0];
      name = parts[1];
      if (prefix.isEmpty()) {
        return "prefix part must be non-empty";
      }
      if (prefix.length() > 253) {
        return "prefix part must be no more than 253 characters";
      }
      if (!SUBDOMAIN.matcher(prefix).matches()) {
        return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            + "'-' or '.', and must start and end with an alphanumeric character (regex used for validation is '"
            + SUBDOMAIN_RE + "')";
      }
    } else {
      return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
          + "with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. "
          + "'example.com/MyName')";
    }
    if (name.isEmpty()) {
      return "name part must be non-empty";
    }
    if (name.length() > 63) {
      return "name part must be no more than 63 characters";
    }
    if (!NAME.matcher(name).matches()) {
      return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
          + "alphanumeric character (regex used for validation is '" + NAME_RE + "')";
    }
    return null;
  }

  private static boolean fitsLong(String v) {
    try {
      Long.parseLong(v.startsWith("+") ? v.substring(1) : v);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
