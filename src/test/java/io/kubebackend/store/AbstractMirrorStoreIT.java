package io.kubebackend.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubebackend.cluster.ResourceType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store's write semantics, the same on both databases. */
abstract class AbstractMirrorStoreIT {
  static final ResourceType CM = new ResourceType("", "v1", "configmaps", "ConfigMap", true);
  static final ResourceType DEPLOY = new ResourceType("apps", "v1", "deployments", "Deployment", true);

  abstract Database open();

  Database db;
  SqlMirrorStore store;

  @BeforeEach
  void setUp() {
    db = open();
    store = new SqlMirrorStore(db, Clock.systemUTC());
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  static Change.Upsert upsert(ResourceType t, String ns, String name, String uid, String rv, Change.Op op,
                              String... owners) {
    String json = "{\"kind\":\"" + t.kind() + "\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"" + ns
        + "\",\"uid\":\"" + uid + "\",\"resourceVersion\":\"" + rv + "\"}}";
    return new Change.Upsert("c1", t, ns, name, uid, rv, "{\"app\":\"web\"}", List.of(owners), 1_000L, json, op);
  }

  @Test
  void upsertThenDeleteOfOneKeyInOneBatchLeavesNoRowButBothEvents() {
    store.apply(List.of(upsert(CM, "ns", "a", "u1", "1", Change.Op.CREATE),
        new Change.Delete("c1", CM, "ns", "a", "u1", "2", "{\"gone\":true}")));
    assertTrue(store.get(new ObjectKey("c1", "", "configmaps", "ns", "a")).isEmpty());
    assertEquals(List.of("c:u1:1", "d:u1:2"), events());
  }

  @Test
  void deleteThenRecreateInOneBatchKeepsTheNewObject() {
    store.apply(List.of(upsert(CM, "ns", "a", "u1", "1", Change.Op.CREATE)));
    store.apply(List.of(new Change.Delete("c1", CM, "ns", "a", "u1", "2", "{}"),
        upsert(CM, "ns", "a", "u2", "3", Change.Op.CREATE)));
    MirrorStore.StoredObject o = store.get(new ObjectKey("c1", "", "configmaps", "ns", "a")).orElseThrow();
    assertEquals("u2", o.uid());
    assertEquals("3", o.resourceVersion());
    assertEquals(List.of("c:u1:1", "d:u1:2", "c:u2:3"), events());
  }

  @Test
  void deleteWithUnknownFinalStatePublishesTheLastStoredObject() {
    store.apply(List.of(upsert(CM, "ns", "a", "u1", "7", Change.Op.READ)));
    store.apply(List.of(new Change.Delete("c1", CM, "ns", "a", null, null, null)));
    assertEquals(List.of("r:u1:7", "d:u1:7"), events());
    assertTrue(lastEventObject().contains("u1"), "the delete event carries the last known object");
    assertTrue(store.resourceVersions("c1", CM).isEmpty());
  }

  @Test
  void rowsStoredAtAnotherVersionHaveNoResourceVersionToCompare() {
    ResourceType v1 = new ResourceType("example.test", "v1", "widgets", "Widget", true);
    ResourceType v2 = new ResourceType("example.test", "v2", "widgets", "Widget", true);
    store.apply(List.of(upsert(v1, "ns", "old", "u1", "5", Change.Op.READ),
        upsert(v2, "ns", "new", "u2", "6", Change.Op.READ)));
    assertEquals(java.util.Map.of("ns/old", MirrorStore.OTHER_VERSION, "ns/new", "6"),
        store.resourceVersions("c1", v2));
    assertEquals(java.util.Map.of("ns/old", "5", "ns/new", MirrorStore.OTHER_VERSION),
        store.resourceVersions("c1", v1));
  }

  @Test
  void deleteOfAnUnknownRowWritesNoEvent() {
    store.apply(List.of(new Change.Delete("c1", CM, "ns", "never", null, null, null)));
    assertEquals(List.of(), events());
  }

  @Test
  void ownersFollowTheLatestVersionOfAnObject() {
    store.apply(List.of(upsert(CM, "ns", "a", "u1", "1", Change.Op.CREATE, "o1", "o2")));
    assertEquals(List.of("o1", "o2"), owners("a"));
    store.apply(List.of(upsert(CM, "ns", "a", "u1", "2", Change.Op.UPDATE, "o3")));
    assertEquals(List.of("o3"), owners("a"));
    store.apply(List.of(new Change.Delete("c1", CM, "ns", "a", "u1", "3", "{}")));
    assertEquals(List.of(), owners("a"));
  }

  @Test
  void removeResourceDeletesOnlyThatResourceWithAnEventEach() {
    store.apply(List.of(upsert(CM, "ns", "a", "u1", "1", Change.Op.READ),
        upsert(CM, "ns", "b", "u2", "1", Change.Op.READ),
        upsert(DEPLOY, "ns", "d", "u3", "1", Change.Op.READ),
        new Change.Status("c1", CM, SyncState.SYNCED, 2, "1", null, null),
        new Change.Status("c1", DEPLOY, SyncState.SYNCED, 1, "1", null, null)));
    store.apply(List.of(new Change.RemoveResource("c1", "", "configmaps")));
    assertEquals(1, store.count("c1"));
    assertEquals(List.of("deployments"), store.syncStatus("c1").stream().map(MirrorStore.SyncStatusRow::resource)
        .toList());
    assertEquals(List.of("r:u1:1", "r:u2:1", "r:u3:1", "d:u1:1", "d:u2:1"), events());
  }

  @Test
  void removeClusterDeletesEverythingOfThatCluster() {
    store.apply(List.of(upsert(CM, "ns", "a", "u1", "1", Change.Op.READ),
        upsert(DEPLOY, "ns", "d", "u3", "1", Change.Op.READ, "o1"),
        new Change.Status("c1", CM, SyncState.SYNCED, 1, "1", null, null)));
    store.apply(List.of(new Change.RemoveCluster("c1")));
    assertEquals(0, store.count("c1"));
    assertEquals(List.of(), store.syncStatus("c1"));
    assertEquals(List.of(), owners("d"));
    assertEquals(4, events().size());
  }

  @Test
  void statusKeepsTheLastKnownVersionWhenANewRowHasNone() {
    store.apply(List.of(new Change.Status("c1", CM, SyncState.SYNCED, 3, "42", 5L, null)));
    store.apply(List.of(new Change.Status("c1", CM, SyncState.ERROR, 3, null, null, "boom")));
    MirrorStore.SyncStatusRow row = store.syncStatus("c1").getFirst();
    assertEquals(SyncState.ERROR, row.state());
    assertEquals("42", row.lastResourceVersion());
    assertEquals(5L, row.lastEventMs());
    assertEquals("boom", row.lastError());
  }

  @Test
  void aFailedBatchAppliesNothing() {
    Change.Upsert broken = new Change.Upsert("c1", CM, "ns", null, "u9", "1", "{}", List.of(), null, "{}",
        Change.Op.CREATE);
    StoreException e = assertThrows(StoreException.class,
        () -> store.apply(List.of(upsert(CM, "ns", "a", "u1", "1", Change.Op.CREATE), broken)));
    assertEquals(StoreException.Kind.CONFLICT, e.kind(), "NOT NULL violation is an integrity error");
    assertEquals(0, store.count("c1"));
    assertEquals(List.of(), events());
  }

  private List<String> events() {
    List<String> out = new ArrayList<>();
    query("SELECT op, uid, resource_version FROM events ORDER BY seq",
        rs -> out.add(rs.getString(1) + ":" + rs.getString(2) + ":" + rs.getString(3)));
    return out;
  }

  private String lastEventObject() {
    List<String> out = new ArrayList<>();
    query("SELECT " + db.dialect().jsonText("object") + " FROM events ORDER BY seq DESC LIMIT 1",
        rs -> out.add(rs.getString(1)));
    return out.getFirst();
  }

  private List<String> owners(String name) {
    List<String> out = new ArrayList<>();
    query("SELECT owner_uid FROM object_owners WHERE name = '" + name + "' ORDER BY owner_uid",
        rs -> out.add(rs.getString(1)));
    return out;
  }

  private interface Row {
    void accept(ResultSet rs) throws Exception;
  }

  private void query(String sql, Row row) {
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql);
         ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        row.accept(rs);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
