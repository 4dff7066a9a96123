package io.kubebackend.query;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kubebackend.store.Dialect;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exact SQL each dialect runs: every client value is a parameter, never part of the text. */
class QuerySqlTest {
  private static final QuerySql PG = new QuerySql(Dialect.POSTGRESQL);
  private static final QuerySql LITE = new QuerySql(Dialect.SQLITE);
  private static final String KEY = "o.cluster, o.api_group, o.resource, o.namespace, o.name";

  @Test
  void defaultListIsOrderedByThePrimaryKey() {
    ObjectQuery q = QueryParams.list("");
    assertEquals("SELECT " + KEY + ", o.object::text, o.seq FROM objects o ORDER BY " + KEY + " LIMIT ? [501]",
        PG.list(q, ReadScope.ALL).toString());
    assertEquals("SELECT " + KEY + ", o.object, o.seq FROM objects o ORDER BY " + KEY + " LIMIT ? [501]",
        LITE.list(q, ReadScope.ALL).toString());
  }

  @Test
  void labelSelectorOnPostgresUsesJsonbContainment() {
    ObjectQuery q = QueryParams.list("cluster=c1&cluster=c2&group=&resource=pods&namespace=web"
        + "&labelSelector=app=web,tier+in+(a,b),env!=prod,stage+notin+(x),canary,!debug,rank>3,rank<9&limit=10");
    assertEquals("SELECT " + KEY + ", o.object::text, o.seq FROM objects o WHERE o.cluster IN (?, ?) AND o.api_group = ?"
            + " AND o.resource = ? AND o.namespace IN (?)"
            + " AND o.labels @> ?::jsonb"
            + " AND (o.labels ->> ?) IS NOT NULL"
            + " AND (o.labels ->> ?) IS NULL"
            + " AND NOT (o.labels @> ?::jsonb)"
            + " AND CASE WHEN (o.labels ->> ?) ~ '^[0-9]{1,18}$' THEN (o.labels ->> ?)::bigint END > ?"
            + " AND CASE WHEN (o.labels ->> ?) ~ '^[0-9]{1,18}$' THEN (o.labels ->> ?)::bigint END < ?"
            + " AND NOT (o.labels @> ?::jsonb)"
            + " AND (o.labels @> ?::jsonb OR o.labels @> ?::jsonb)"
            + " ORDER BY " + KEY + " LIMIT ?"
            + " [c1, c2, , pods, web, {\"app\":\"web\"}, canary, debug, {\"env\":\"prod\"}, rank, rank, 3, rank, rank,"
            + " 9, {\"stage\":\"x\"}, {\"tier\":\"a\"}, {\"tier\":\"b\"}, 11]",
        PG.list(q, ReadScope.ALL).toString());
  }

  @Test
  void labelSelectorOnSqliteUsesJsonExtractWithBoundPaths() {
    ObjectQuery q = QueryParams.list("labelSelector=app.kubernetes.io/name=web,tier+in+(a,b),env!=prod,"
        + "stage+notin+(x),canary,!debug,rank>3");
    assertEquals("SELECT " + KEY + ", o.object, o.seq FROM objects o WHERE json_extract(o.labels, ?) = ?"
            + " AND json_extract(o.labels, ?) IS NOT NULL"
            + " AND json_extract(o.labels, ?) IS NULL"
            + " AND json_extract(o.labels, ?) IS NOT ?"
            + " AND CASE WHEN length(json_extract(o.labels, ?)) BETWEEN 1 AND 18 AND json_extract(o.labels, ?)"
            + " NOT GLOB '*[^0-9]*' THEN CAST(json_extract(o.labels, ?) AS INTEGER) END > ?"
            + " AND COALESCE(json_extract(o.labels, ?) NOT IN (?), 1)"
            + " AND json_extract(o.labels, ?) IN (?, ?)"
            + " ORDER BY " + KEY + " LIMIT ?"
            + " [$.\"app.kubernetes.io/name\", web, $.\"canary\", $.\"debug\", $.\"env\", prod, $.\"rank\","
            + " $.\"rank\", $.\"rank\", 3, $.\"stage\", x, $.\"tier\", a, b, 501]",
        LITE.list(q, ReadScope.ALL).toString());
  }

  @Test
  void fieldConditionsOnPostgres() {
    ObjectQuery q = QueryParams.list("field=status.phase=Running&field=status.phase!=Failed"
        + "&field=metadata.name~web&field=status.phase+in+(A,B)&field=status.phase+notin+(C)"
        + "&field=spec.replicas>=2&field=status.startTime<2024-05-01T00:00:00Z&field=spec.x&field=!spec.y"
        + "&nameContains=web&ownerUid=u-1&createdSince=2024-01-01T00:00:00Z&createdBefore=2024-02-01T00:00:00Z");
    String p = "(o.object #>> ?::text[])";
    assertEquals("SELECT " + KEY + ", o.object::text, o.seq FROM objects o WHERE " + p + " = ?"
            + " AND " + p + " IS DISTINCT FROM ?"
            + " AND strpos(" + p + ", ?) > 0"
            + " AND " + p + " IN (?, ?)"
            + " AND COALESCE(" + p + " NOT IN (?), TRUE)"
            + " AND (CASE WHEN jsonb_typeof(o.object #> ?::text[]) = 'number' THEN (o.object #>> ?::text[])::numeric"
            + " END) >= ?"
            + " AND (kb_rfc3339_micros(" + p + ")) < ?"
            + " AND (o.object #> ?::text[]) IS NOT NULL"
            + " AND NOT ((o.object #> ?::text[]) IS NOT NULL)"
            + " AND strpos(o.name, ?) > 0"
            + " AND EXISTS (SELECT 1 FROM object_owners w WHERE w.owner_uid = ? AND w.cluster = o.cluster"
            + " AND w.api_group = o.api_group AND w.resource = o.resource AND w.namespace = o.namespace"
            + " AND w.name = o.name)"
            + " AND o.created_ms >= ? AND o.created_ms < ?"
            + " ORDER BY " + KEY + " LIMIT ?"
            + " [[status, phase], Running, [status, phase], Failed, [metadata, name], web, [status, phase], A, B,"
            + " [status, phase], C, [spec, replicas], [spec, replicas], 2, [status, startTime], 1714521600000000,"
            + " [spec, x], [spec, y], web, u-1, 1704067200000, 1706745600000, 501]",
        PG.list(q, ReadScope.ALL).toString());
    assertEquals(BigDecimal.class, PG.list(q, ReadScope.ALL).params().get(13).getClass(), "numbers as numeric");
  }

  @Test
  void fieldConditionsOnSqlite() {
    ObjectQuery q = QueryParams.list("field=spec.paused=true&field=spec.replicas>2&field=spec.ratio<=0.5"
        + "&field=status.startTime>2024-05-01T00:00:00.5Z&field=metadata.name~web&field=x!=y");
    String t = "(CASE json_type(o.object, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'"
        + " ELSE CAST(json_extract(o.object, ?) AS TEXT) END)";
    String n = "(CASE WHEN json_type(o.object, ?) IN ('integer', 'real') THEN json_extract(o.object, ?) END)";
    assertEquals("SELECT " + KEY + ", o.object, o.seq FROM objects o WHERE " + t + " = ?"
            + " AND " + n + " > ?"
            + " AND " + n + " <= ?"
            + " AND (CASE WHEN json_extract(o.object, ?) GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]"
            + ":[0-9][0-9]:[0-9][0-9]*' THEN CAST(round(unixepoch(json_extract(o.object, ?), 'subsec') * 1000)"
            + " AS INTEGER) * 1000 END) > ?"
            + " AND instr(" + t + ", ?) > 0"
            + " AND " + t + " IS NOT ?"
            + " ORDER BY " + KEY + " LIMIT ?"
            + " [$.\"spec\".\"paused\", $.\"spec\".\"paused\", true, $.\"spec\".\"replicas\", $.\"spec\".\"replicas\","
            + " 2, $.\"spec\".\"ratio\", $.\"spec\".\"ratio\", 0.5, $.\"status\".\"startTime\","
            + " $.\"status\".\"startTime\", 1714521600500000, $.\"metadata\".\"name\", $.\"metadata\".\"name\", web,"
            + " $.\"x\", $.\"x\", y, 501]",
        LITE.list(q, ReadScope.ALL).toString());
    List<Object> params = LITE.list(q, ReadScope.ALL).params();
    assertEquals(Long.class, params.get(5).getClass(), "integers bind as integers on SQLite");
    assertEquals(Double.class, params.get(8).getClass(), "fractions bind as reals on SQLite");
  }

  @Test
  void descendantsWalkTheOwnerTableRecursively() {
    ObjectQuery q = QueryParams.list("descendantsOf=dep-uid&resource=pods");
    String sameKey = "c.cluster = w.cluster AND c.api_group = w.api_group AND c.resource = w.resource"
        + " AND c.namespace = w.namespace AND c.name = w.name";
    String expected = "WITH RECURSIVE descendants(cluster, api_group, resource, namespace, name, uid) AS ("
        + "SELECT c.cluster, c.api_group, c.resource, c.namespace, c.name, c.uid FROM object_owners w"
        + " JOIN objects c ON " + sameKey + " WHERE w.owner_uid = ?"
        + " UNION SELECT c.cluster, c.api_group, c.resource, c.namespace, c.name, c.uid FROM descendants d"
        + " JOIN object_owners w ON w.cluster = d.cluster AND w.owner_uid = d.uid JOIN objects c ON " + sameKey + ") "
        + "SELECT " + KEY + ", o.object, o.seq FROM objects o WHERE o.resource = ?"
        + " AND EXISTS (SELECT 1 FROM descendants d WHERE d.cluster = o.cluster AND d.api_group = o.api_group"
        + " AND d.resource = o.resource AND d.namespace = o.namespace AND d.name = o.name)"
        + " ORDER BY " + KEY + " LIMIT ? [dep-uid, pods, 501]";
    assertEquals(expected, LITE.list(q, ReadScope.ALL).toString());
    assertEquals(expected.replace("o.object, o.seq FROM", "o.object::text, o.seq FROM"), PG.list(q, ReadScope.ALL).toString());
  }

  @Test
  void keysetWithOneDirectionIsARowComparison() {
    ObjectQuery first = QueryParams.list("sort=metadata.name&limit=2");
    ContinueToken after = new ContinueToken(ContinueToken.hashOf(first.filter(), first.sort()),
        List.of("b", "c1", "", "pods", "ns", "b"));
    ObjectQuery next = new ObjectQuery(first.filter(), first.sort(), 2, after, false, List.of());
    assertEquals("SELECT " + KEY + ", o.name AS s0, o.object, o.seq FROM objects o"
            + " WHERE (o.name, " + KEY + ") > (?, ?, ?, ?, ?, ?) ORDER BY s0, " + KEY + " LIMIT ?"
            + " [b, c1, , pods, ns, b, 3]",
        LITE.list(next, ReadScope.ALL).toString());
  }

  @Test
  void keysetWithMixedDirectionsExpands() {
    ObjectQuery first = QueryParams.list("sort=-metadata.creationTimestamp,metadata.labels[\"tier\"]");
    ContinueToken after = new ContinueToken(ContinueToken.hashOf(first.filter(), first.sort()),
        List.of(1000L, "web", "c1", "", "pods", "ns", "p"));
    ObjectQuery next = new ObjectQuery(first.filter(), first.sort(), 500, after, false, List.of());
    String created = "COALESCE(o.created_ms, 0)";
    String tier = "COALESCE((o.object #>> ?::text[]), '')";
    String sql = PG.list(next, ReadScope.ALL).toString();
    assertEquals("SELECT " + KEY + ", " + created + " AS s0, " + tier + " AS s1, o.object::text, o.seq FROM objects o"
            + " WHERE ((" + created + " < ?)"
            + " OR (" + created + " = ? AND " + tier + " > ?)"
            + " OR (" + created + " = ? AND " + tier + " = ? AND o.cluster > ?)"
            + " OR (" + created + " = ? AND " + tier + " = ? AND o.cluster = ? AND o.api_group > ?)"
            + " OR (" + created + " = ? AND " + tier + " = ? AND o.cluster = ? AND o.api_group = ?"
            + " AND o.resource > ?)"
            + " OR (" + created + " = ? AND " + tier + " = ? AND o.cluster = ? AND o.api_group = ?"
            + " AND o.resource = ? AND o.namespace > ?)"
            + " OR (" + created + " = ? AND " + tier + " = ? AND o.cluster = ? AND o.api_group = ?"
            + " AND o.resource = ? AND o.namespace = ? AND o.name > ?))"
            + " ORDER BY s0 DESC, s1, " + KEY + " LIMIT ?",
        sql.substring(0, sql.indexOf(" [")));
  }

  @Test
  void readScopeBecomesConditions() {
    ObjectQuery q = QueryParams.list("resource=pods");
    ReadScope scope = ReadScope.of(List.of(new ReadScope.Grant("c1", "team-a", "", "pods"),
        new ReadScope.Grant("c2", null, null, null)));
    assertEquals("SELECT " + KEY + ", o.object, o.seq FROM objects o WHERE ((o.cluster = ? AND o.namespace = ?"
            + " AND o.api_group = ? AND o.resource = ?) OR (o.cluster = ?)) AND o.resource = ?"
            + " ORDER BY " + KEY + " LIMIT ? [c1, team-a, , pods, c2, pods, 501]",
        LITE.list(q, scope).toString());
    assertEquals("SELECT COUNT(*) FROM objects o WHERE FALSE AND o.resource = ? [pods]",
        PG.count(q.filter(), ReadScope.of(List.of())).toString());
  }

  @Test
  void aggregationGroupsInASubquery() {
    Aggregation a = QueryParams.aggregate("resource=pods&groupBy=cluster,path:status.phase,label:app");
    assertEquals("SELECT g0, g1, g2, COUNT(*) FROM (SELECT o.cluster AS g0, (o.object #>> ?::text[]) AS g1,"
            + " (o.labels ->> ?) AS g2 FROM objects o WHERE o.resource = ?) g GROUP BY g0, g1, g2"
            + " ORDER BY g0 IS NULL, g0, g1 IS NULL, g1, g2 IS NULL, g2 LIMIT ? [[status, phase], app, pods, 1001]",
        PG.aggregate(a, ReadScope.ALL).toString());
    assertEquals("SELECT g0, g1, COUNT(*) FROM (SELECT o.namespace AS g0, json_extract(o.labels, ?) AS g1"
            + " FROM objects o) g GROUP BY g0, g1 ORDER BY g0 IS NULL, g0, g1 IS NULL, g1 LIMIT ?"
            + " [$.\"app.kubernetes.io/name\", 1001]",
        LITE.aggregate(QueryParams.aggregate("groupBy=namespace,label:app.kubernetes.io/name"), ReadScope.ALL)
            .toString());
  }
}
