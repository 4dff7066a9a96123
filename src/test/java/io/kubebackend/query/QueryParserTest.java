package io.kubebackend.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QueryParserTest {

  @Test
  void everyParameter() {
    ObjectQuery q = QueryParams.list("cluster=c1&cluster=c2&group=&resource=pods&namespace=a&namespace="
        + "&labelSelector=app%3Dweb&field=status.phase%3DRunning&nameContains=web-&ownerUid=u1&descendantsOf=u2"
        + "&createdSince=2024-01-01T00:00:00Z&createdBefore=2024-01-02T00:00:00%2B01:00"
        + "&sort=-metadata.creationTimestamp,%2Bmetadata.name&limit=7&total=true&fields=metadata.labels,status");
    ObjectFilter f = q.filter();
    assertEquals(List.of("c1", "c2"), f.clusters());
    assertEquals("", f.group());
    assertEquals("pods", f.resource());
    assertEquals(List.of("a", ""), f.namespaces());
    assertEquals("app=web", f.labels().toString());
    assertEquals("status.phase=Running", f.fields().getFirst().toString());
    assertEquals("web-", f.nameContains());
    assertEquals("u1", f.ownerUid());
    assertEquals("u2", f.descendantsOf());
    assertEquals(Instant.parse("2024-01-01T00:00:00Z"), f.createdSince());
    assertEquals(Instant.parse("2024-01-01T23:00:00Z"), f.createdBefore());
    assertEquals("[-metadata.creationTimestamp, metadata.name]", q.sort().toString());
    assertEquals(SortKey.Source.CREATED, q.sort().get(0).source());
    assertEquals(SortKey.Source.NAME, q.sort().get(1).source());
    assertEquals(7, q.limit());
    assertTrue(q.withTotal());
    assertEquals("[metadata.labels, status]", q.fields().toString());
    assertNull(q.after());
  }

  @Test
  void defaults() {
    ObjectQuery q = QueryParams.list("");
    assertEquals(ObjectFilter.EVERYTHING, q.filter());
    assertEquals(500, q.limit());
    assertEquals(List.of(), q.sort());
    assertEquals(1000, QueryParams.aggregate("groupBy=kind").limit());
  }

  @Test
  void sortKeysWithQuotedPaths() {
    List<SortKey> sort = QueryParser.sort("metadata.labels[\"a,b\"],-cluster,kind");
    assertEquals(3, sort.size());
    assertEquals(List.of("metadata", "labels", "a,b"), List.of(sort.get(0).path().postgresPath()));
    assertEquals(SortKey.Source.CLUSTER, sort.get(1).source());
    assertTrue(sort.get(1).descending());
    assertEquals(SortKey.Source.KIND, sort.get(2).source());
  }

  @Test
  void continueTokenMustBelongToTheSameQuery() {
    ObjectQuery q = QueryParams.list("resource=pods&sort=metadata.name");
    String token = new ContinueToken(ContinueToken.hashOf(q.filter(), q.sort()),
        List.of("a", "c1", "", "pods", "ns", "a")).encode();
    ObjectQuery next = QueryParams.list("resource=pods&sort=metadata.name&limit=3&continue=" + token);
    assertEquals(List.of("a", "c1", "", "pods", "ns", "a"), next.after().values());
    InvalidQueryException e = assertThrows(InvalidQueryException.class,
        () -> QueryParams.list("resource=pods&sort=-metadata.name&continue=" + token));
    assertTrue(e.getMessage().contains("belongs to a different query"), e.getMessage());
    e = assertThrows(InvalidQueryException.class,
        () -> QueryParams.list("resource=pods&labelSelector=a&sort=metadata.name&continue=" + token));
    assertTrue(e.getMessage().contains("belongs to a different query"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "bogus=1|unknown parameter 'bogus' for /api/v1/query",
      "labelselector=a|unknown parameter 'labelselector'",
      "groupBy=cluster|unknown parameter 'groupBy' for /api/v1/query",
      "limit=1&limit=2|parameter 'limit' is given 2 times",
      "resource=pods&resource=nodes|parameter 'resource' is given 2 times",
      "cluster=c3|unknown cluster 'c3' (registered: c1, c2)",
      "cluster=C1|cluster: 'C1' is not a cluster id",
      "cluster=c1'%20OR%20'1'='1|cluster: 'c1' OR '1'='1' is not a cluster id",
      "namespace=a;DROP%20TABLE%20objects|namespace: 'a;DROP TABLE objects' is not a namespace name",
      "resource=Pods|resource: 'Pods' is not a plural resource name",
      "resource=deployments&cluster=c2|no selected cluster mirrors resource 'deployments' (clusters: c2)",
      "resource=pods&group=apps|no selected cluster mirrors resource 'pods.apps'",
      "group=x.io|no selected cluster mirrors API group 'x.io'",
      "group=APPS|group: 'APPS' is not an API group",
      "kind=Widget|no selected cluster mirrors kind 'Widget'",
      "kind=Pod%20--|kind: 'Pod --' is not a kind",
      "nameContains=a%20b|nameContains: 'a b' is not 1-253 characters",
      "nameContains=x'--|nameContains: 'x'--' is not",
      "ownerUid=1%3B2|ownerUid: '1;2' is not an object uid",
      "descendantsOf=|descendantsOf: '' is not an object uid",
      "createdSince=yesterday|createdSince: 'yesterday' is not an RFC 3339 timestamp",
      "createdBefore=2024-01-01|createdBefore: '2024-01-01' is not an RFC 3339 timestamp",
      "limit=0|limit must be between 1 and 10000, got 0",
      "limit=10001|limit must be between 1 and 10000, got 10001",
      "limit=99999999999|limit: '99999999999' is not a whole number",
      "limit=-5|limit: '-5' is not a whole number",
      "limit=ten|limit: 'ten' is not a whole number",
      "total=yes|total: 'yes' is not true or false",
      "sort=metadata.name,metadata.name|sort names 'metadata.name' twice",
      "sort=metadata.name;DROP|invalid sort 'metadata.name;DROP' at position 13: expected ','",
      "sort=--metadata.name|invalid sort '--metadata.name' at position 1",
      "sort=a,b,c,d,e,f,g,h,i|sort takes at most 8 keys",
      "fields=spec.containers[0]|fields: 'spec.containers[0]' has an array position",
      "fields=a%20b|invalid fields 'a b' at position 1: expected ','",
      "labelSelector=a%3D%3D%3Db|invalid labelSelector \"a===b\"",
      "field=a%3E%3Db|invalid field condition 'a>=b'",
      "continue=xyz|invalid continue token: not a token this server issued",
      "continue=eyJxIjoxfQ|invalid continue token: not a token this server issued"})
  void badParametersNameTheProblem(String query, String problem) {
    InvalidQueryException e = assertThrows(InvalidQueryException.class, () -> QueryParams.list(query));
    assertTrue(e.getMessage().contains(problem), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "resource=pods|groupBy is required",
      "groupBy=|groupBy is required",
      "groupBy=cluster&sort=kind|unknown parameter 'sort' for /api/v1/aggregate",
      "groupBy=color|unknown groupBy term 'color'",
      "groupBy=cluster,cluster|groupBy names 'cluster' twice",
      "groupBy=label:-x|invalid groupBy term 'label:-x'",
      "groupBy=path:a..b|invalid groupBy 'path:a..b' at position 7",
      "groupBy=cluster,namespace,kind,group,resource,label:a|groupBy takes at most 5 terms"})
  void badAggregationsNameTheProblem(String query, String problem) {
    InvalidQueryException e = assertThrows(InvalidQueryException.class, () -> QueryParams.aggregate(query));
    assertTrue(e.getMessage().contains(problem), e.getMessage());
  }

  @Test
  void groupByTerms() {
    Aggregation a = QueryParams.aggregate("groupBy=cluster,label:app.kubernetes.io/name,path:status.phase,kind");
    assertEquals(List.of("cluster", "label:app.kubernetes.io/name", "path:status.phase", "kind"),
        a.groupBy().stream().map(Aggregation.GroupBy::name).toList());
  }
}
