package io.kubebackend.query;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A count of the objects a filter matches, grouped by up to {@link #MAX_TERMS} terms:
 *
 * <pre>
 *   groupBy = term *( "," term )
 *   term    = "cluster" / "namespace" / "kind" / "group" / "resource" / "label:" KEY / "path:" JSON-PATH
 * </pre>
 *
 * <p>A label or path an object lacks groups it under null. {@code path:} groups by the value's text, as the
 * field conditions compare it.
 *
 * @param filter  which objects
 * @param groupBy at least one term
 * @param limit   at most this many groups are returned (ordered by their keys, nulls last)
 */
public record Aggregation(ObjectFilter filter, List<GroupBy> groupBy, int limit) {
  static final int MAX_TERMS = 5;

  public Aggregation {
    groupBy = List.copyOf(groupBy);
  }

  /** One grouping term. */
  public sealed interface GroupBy permits Column, Label, Path {
    /** The term as written, which also names it in the result. */
    String name();
  }

  /** A column of the objects table. */
  public record Column(Dimension dimension) implements GroupBy {
    @Override
    public String name() {
      return dimension.name().toLowerCase();
    }
  }

  public enum Dimension { CLUSTER, NAMESPACE, KIND, GROUP, RESOURCE }

  public record Label(String key) implements GroupBy {
    @Override
    public String name() {
      return "label:" + key;
    }
  }

  public record Path(JsonPath path) implements GroupBy {
    @Override
    public String name() {
      return "path:" + path;
    }
  }

  /** One group: its key per term (null where the object lacks it) and how many objects it has. */
  public record Group(Map<String, String> keys, long count) {}

  /** The groups found; {@code truncated} when there were more than the limit. */
  public record Result(List<String> groupBy, List<Group> groups, boolean truncated) {}

  /** Parses the {@code groupBy} parameter; throws {@link InvalidQueryException} naming the problem. */
  public static List<GroupBy> parseGroupBy(String text) {
    List<GroupBy> out = new ArrayList<>();
    JsonPath.Cursor c = new JsonPath.Cursor(text, "groupBy");
    while (true) {
      int start = c.pos;
      if (text.startsWith("path:", start)) {
        c.pos += 5;
        out.add(new Path(JsonPath.parsePrefix(c)));
      } else if (text.startsWith("label:", start)) {
        int end = text.indexOf(',', start);
        String key = text.substring(start + 6, end < 0 ? text.length() : end);
        String problem = LabelSelector.keyProblem(key);
        if (problem != null) {
          throw new InvalidQueryException("invalid groupBy term 'label:" + key + "': " + problem);
        }
        out.add(new Label(key));
        c.pos = end < 0 ? text.length() : end;
      } else {
        int end = text.indexOf(',', start);
        String word = text.substring(start, end < 0 ? text.length() : end);
        Dimension d = switch (word) {
          case "cluster" -> Dimension.CLUSTER;
          case "namespace" -> Dimension.NAMESPACE;
          case "kind" -> Dimension.KIND;
          case "group" -> Dimension.GROUP;
          case "resource" -> Dimension.RESOURCE;
          default -> throw new InvalidQueryException("unknown groupBy term '" + word
              + "' (use cluster, namespace, kind, group, resource, label:KEY or path:JSON.PATH)");
        };
        out.add(new Column(d));
        c.pos = end < 0 ? text.length() : end;
      }
      if (out.size() > MAX_TERMS) {
        throw new InvalidQueryException("groupBy takes at most " + MAX_TERMS + " terms");
      }
      if (c.atEnd()) {
        break;
      }
      c.expect(',');
    }
    Map<String, GroupBy> distinct = new LinkedHashMap<>();
    for (GroupBy g : out) {
      if (distinct.put(g.name(), g) != null) {
        throw new InvalidQueryException("groupBy names '" + g.name() + "' twice");
      }
    }
    return out;
  }
}
