package io.kubebackend.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kubebackend.store.Dialect;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The exact SQL each dialect gets for the kubesys list and count, with every request value bound. */
class SearchFilterSqlTest {
  private static final SearchFilter PODS_BY_LABEL = new SearchFilter("c1", "", "pods", null, List.of(
      new FieldMatch(List.of("metadata", "labels", "app"), "web"),
      new FieldMatch(List.of("metadata", "name"), "' OR 1=1 --")));

  @Test
  void postgresCountBindsEveryPathKeyAndValue() {
    SearchFilterSql.Query q = SearchFilterSql.count(Dialect.POSTGRESQL, PODS_BY_LABEL);
    assertEquals("SELECT COUNT(*) FROM objects WHERE cluster = ? AND api_group = ? AND resource = ?"
        + " AND strpos(jsonb_extract_path_text(object, ?, ?, ?), ?) > 0"
        + " AND strpos(jsonb_extract_path_text(object, ?, ?), ?) > 0", q.sql());
    assertEquals(List.of("c1", "", "pods", "metadata", "labels", "app", "web", "metadata", "name", "' OR 1=1 --"),
        q.params());
  }

  @Test
  void sqliteCountBindsOneQuotedPathPerMatch() {
    SearchFilterSql.Query q = SearchFilterSql.count(Dialect.SQLITE, PODS_BY_LABEL);
    assertEquals("SELECT COUNT(*) FROM objects WHERE cluster = ? AND api_group = ? AND resource = ?"
        + " AND instr(json_extract(object, ?), ?) > 0"
        + " AND instr(json_extract(object, ?), ?) > 0", q.sql());
    assertEquals(List.of("c1", "", "pods", "$.\"metadata\".\"labels\".\"app\"", "web", "$.\"metadata\".\"name\"",
        "' OR 1=1 --"), q.params());
  }

  @Test
  void pageOrdersByNamespaceThenNameAndLimitsNamespaces() {
    SearchFilter f = new SearchFilter("c1", "apps", "deployments", Set.of("b", "a"), List.of());
    SearchFilterSql.Query pg = SearchFilterSql.page(Dialect.POSTGRESQL, f, 10, 20);
    assertEquals("SELECT object::text FROM objects WHERE cluster = ? AND api_group = ? AND resource = ?"
        + " AND namespace IN (?, ?) ORDER BY namespace, name LIMIT ? OFFSET ?", pg.sql());
    assertEquals(List.of("c1", "apps", "deployments", "a", "b", 10, 20L), pg.params());
    SearchFilterSql.Query lite = SearchFilterSql.page(Dialect.SQLITE, f, 10, 20);
    assertEquals("SELECT object FROM objects WHERE cluster = ? AND api_group = ? AND resource = ?"
        + " AND namespace IN (?, ?) ORDER BY namespace, name LIMIT ? OFFSET ?", lite.sql());
    assertEquals(pg.params(), lite.params());
  }

  @Test
  void oddKeysStayInsideTheBoundPath() {
    FieldMatch m = new FieldMatch(List.of("metadata", "annotations", "kubernetes.io/change-cause' OR '1'='1"), "x");
    assertEquals(List.of("$.\"metadata\".\"annotations\".\"kubernetes.io/change-cause' OR '1'='1\""),
        Dialect.SQLITE.jsonPathArgs(m.path()));
    assertEquals(List.of("spec", "containers", "0", "image"),
        Dialect.POSTGRESQL.jsonPathArgs(List.of("spec", "containers", "0", "image")));
    assertEquals(List.of("$.\"spec\".\"containers\"[0].\"image\""),
        Dialect.SQLITE.jsonPathArgs(List.of("spec", "containers", "0", "image")));
  }

  @Test
  void keysThatCannotBeQuotedAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new FieldMatch(List.of("metadata", "a\"b"), "x"));
    assertThrows(IllegalArgumentException.class, () -> new FieldMatch(List.of("metadata", ""), "x"));
    assertThrows(IllegalArgumentException.class, () -> new FieldMatch(List.of("metadata", "a\nb"), "x"));
    assertThrows(IllegalArgumentException.class, () -> new FieldMatch(List.of(), "x"));
    assertThrows(IllegalArgumentException.class, () -> new FieldMatch(List.of("a"), null));
  }
}
