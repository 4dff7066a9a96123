package io.kubebackend.query;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A path into an object's JSON, parsed by a strict grammar so that it can be handed to SQL as a bound parameter
 * (never spliced into the statement text):
 *
 * <pre>
 *   path    = first *( "." key / "[" index "]" / "[" quoted "]" )
 *   first   = key / "[" quoted "]"
 *   key     = ( ALPHA / DIGIT / "_" ) *( ALPHA / DIGIT / "_" / "-" / "/" )   ; not all digits
 *   index   = "0" / %x31-39 *DIGIT                           ; an array position, at most 6 digits
 *   quoted  = DQUOTE 1*( any character except DQUOTE, "\", "[", "]" and control characters ) DQUOTE
 * </pre>
 *
 * <p>Examples: {@code status.phase}, {@code spec.containers[0].image},
 * {@code metadata.labels["app.kubernetes.io/name"]}. Keys holding dots (label and annotation keys) must be
 * quoted. A key of only digits must be written {@code [0]} (array position) or {@code ["0"]} (object key), because
 * PostgreSQL and SQLite would otherwise disagree on what it means.
 *
 * @param segments at least one; each a {@link Key} or an {@link Index}
 */
public record JsonPath(List<Segment> segments) {
  static final int MAX_LENGTH = 512;
  static final int MAX_SEGMENTS = 32;
  private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_/-]*");
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");

  /** One step of a path. */
  public sealed interface Segment permits Key, Index {}

  /** An object member. */
  public record Key(String name) implements Segment {}

  /** An array element, from 0. */
  public record Index(int position) implements Segment {}

  public JsonPath {
    segments = List.copyOf(segments);
    if (segments.isEmpty()) {
      throw new IllegalArgumentException("a JSON path has at least one segment");
    }
  }

  /** Parses a whole string as one path; throws {@link InvalidQueryException} naming the problem. */
  public static JsonPath parse(String text) {
    Cursor c = new Cursor(text, "JSON path");
    JsonPath p = parsePrefix(c);
    if (!c.atEnd()) {
      throw c.error("unexpected '" + c.peek() + "'");
    }
    return p;
  }

  /**
   * Parses the longest path at the cursor and leaves the cursor on the first character after it (for grammars
   * that embed paths: sort lists, field conditions).
   */
  static JsonPath parsePrefix(Cursor c) {
    int start = c.pos;
    List<Segment> out = new ArrayList<>();
    if (c.atEnd()) {
      throw c.error("expected a JSON path, found the end of the input");
    }
    if (c.peek() == '[') {
      out.add(bracket(c, true));
    } else {
      out.add(key(c));
    }
    while (!c.atEnd()) {
      char ch = c.peek();
      if (ch == '.') {
        c.pos++;
        out.add(key(c));
      } else if (ch == '[') {
        out.add(bracket(c, false));
      } else {
        break;
      }
      if (out.size() > MAX_SEGMENTS) {
        throw c.error("a JSON path has at most " + MAX_SEGMENTS + " segments");
      }
    }
    if (c.pos - start > MAX_LENGTH) {
      throw c.error("a JSON path has at most " + MAX_LENGTH + " characters");
    }
    return new JsonPath(out);
  }

  private static Key key(Cursor c) {
    int start = c.pos;
    // A key starts with a letter, digit or '_', so that a leading '-' can only mean "descending" in a sort list.
    if (!c.atEnd() && isPlainKeyChar(c.peek()) && c.peek() != '-' && c.peek() != '/') {
      while (!c.atEnd() && isPlainKeyChar(c.peek())) {
        c.pos++;
      }
    }
    if (start == c.pos) {
      throw c.error(c.atEnd() ? "expected a key, found the end of the input"
          : "expected a key of letters, digits, '_', '-' or '/' (not starting with '-' or '/'), found '" + c.peek()
              + "' (quote other keys: [\"app.kubernetes.io/name\"])");
    }
    String name = c.text.substring(start, c.pos);
    if (DIGITS.matcher(name).matches()) {
      c.pos = start;
      throw c.error("key '" + name + "' is all digits; write [" + name + "] for an array position or [\"" + name
          + "\"] for an object key");
    }
    return new Key(name);
  }

  private static Segment bracket(Cursor c, boolean first) {
    c.pos++; // '['
    if (c.atEnd()) {
      throw c.error("unterminated '['");
    }
    if (c.peek() == '"') {
      c.pos++;
      int start = c.pos;
      while (!c.atEnd() && c.peek() != '"') {
        char ch = c.peek();
        if (ch == '\\' || ch == '[' || ch == ']' || Character.isISOControl(ch)) {
          throw c.error("character '" + printable(ch) + "' is not allowed in a quoted key");
        }
        c.pos++;
      }
      if (c.atEnd()) {
        throw c.error("unterminated quoted key");
      }
      String name = c.text.substring(start, c.pos);
      c.pos++; // closing quote
      if (name.isEmpty()) {
        throw c.error("a quoted key is not empty");
      }
      c.expect(']');
      return new Key(name);
    }
    if (first) {
      throw c.error("a path starts with a key, not an array position");
    }
    int start = c.pos;
    while (!c.atEnd() && Character.isDigit(c.peek()) && c.peek() < 128) {
      c.pos++;
    }
    String digits = c.text.substring(start, c.pos);
    if (digits.isEmpty() || digits.length() > 6 || (digits.length() > 1 && digits.charAt(0) == '0')) {
      throw c.error("expected an array position (0-999999) or a quoted key after '['");
    }
    c.expect(']');
    return new Index(Integer.parseInt(digits));
  }

  private static boolean isPlainKeyChar(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_'
        || ch == '-' || ch == '/';
  }

  private static String printable(char ch) {
    return Character.isISOControl(ch) ? String.format("\\u%04x", (int) ch) : String.valueOf(ch);
  }

  /** True if every segment is a key (paths that name a place to copy a value to, like {@code fields}). */
  public boolean keysOnly() {
    return segments.stream().allMatch(s -> s instanceof Key);
  }

  /** The segments as PostgreSQL's {@code #>} / {@code #>>} path array wants them. */
  public String[] postgresPath() {
    return segments.stream().map(s -> switch (s) {
      case Key k -> k.name();
      case Index i -> Integer.toString(i.position());
    }).toArray(String[]::new);
  }

  /** The path in SQLite's JSON path syntax, every key quoted: {@code $."metadata"."labels"."app"}. */
  public String sqlitePath() {
    StringBuilder sb = new StringBuilder("$");
    for (Segment s : segments) {
      switch (s) {
        case Key k -> sb.append(".\"").append(k.name()).append('"');
        case Index i -> sb.append('[').append(i.position()).append(']');
      }
    }
    return sb.toString();
  }

  /** The canonical text: plain keys dotted, other keys quoted in brackets. Parses back to an equal path. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Segment s : segments) {
      switch (s) {
        case Key k when PLAIN_KEY.matcher(k.name()).matches() && !DIGITS.matcher(k.name()).matches() ->
            sb.append(sb.isEmpty() ? "" : ".").append(k.name());
        case Key k -> sb.append("[\"").append(k.name()).append("\"]");
        case Index i -> sb.append('[').append(i.position()).append(']');
      }
    }
    return sb.toString();
  }

  /** A position in a text being parsed; errors name what is parsed and quote the whole text and the position. */
  static final class Cursor {
    final String text;
    final String what;
    int pos;

    Cursor(String text, String what) {
      this.text = text;
      this.what = what;
    }

    boolean atEnd() {
      return pos >= text.length();
    }

    char peek() {
      return text.charAt(pos);
    }

    void expect(char ch) {
      if (atEnd() || peek() != ch) {
        throw error("expected '" + ch + "'" + (atEnd() ? " at the end" : ", found '" + peek() + "'"));
      }
      pos++;
    }

    InvalidQueryException error(String problem) {
      return new InvalidQueryException("invalid " + what + " '" + text + "' at position " + pos + ": " + problem);
    }
  }
}
