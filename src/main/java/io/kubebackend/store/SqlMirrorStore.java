package io.kubebackend.store;

import io.kubebackend.cluster.ResourceType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/** {@link MirrorStore} on PostgreSQL or SQLite; SQL differences come from {@link Dialect}. */
public final class SqlMirrorStore implements MirrorStore {
  /** The PostgreSQL channel notified by every commit that appended events, for outbox readers on any replica. */
  public static final String OUTBOX_CHANNEL = "kb_outbox";
  private static final String PK = "cluster = ? AND api_group = ? AND resource = ? AND namespace = ? AND name = ?";

  private final Database db;
  private final Clock clock;
  private final String upsertSql;
  private final String insertEventSql;
  private final String upsertStatusSql;
  private final String allocateSeqsSql;
  private final Leases leases;
  private final AtomicLong fenced = new AtomicLong();
  private volatile MirrorFence fence;
  /** clusterId -> the lease epoch the current batch writes it under; only the one writer thread uses it. */
  private Map<String, Long> batchEpochs = Map.of();

  public SqlMirrorStore(Database db, Clock clock) {
    this.db = db;
    this.clock = clock;
    this.leases = new Leases(db);
    String json = db.dialect().jsonParam();
    this.upsertSql = "INSERT INTO objects (cluster, api_group, version, resource, kind, namespace, name, uid,"
        + " resource_version, labels, created_ms, synced_ms, object, seq, epoch) VALUES (?,?,?,?,?,?,?,?,?," + json
        + ",?,?," + json + ",?,?) ON CONFLICT (cluster, api_group, resource, namespace, name) DO UPDATE SET"
        + " version = excluded.version, kind = excluded.kind, uid = excluded.uid,"
        + " resource_version = excluded.resource_version, labels = excluded.labels, created_ms = excluded.created_ms,"
        + " synced_ms = excluded.synced_ms, object = excluded.object, seq = excluded.seq, epoch = excluded.epoch";
    // Every transaction that writes events takes their seqs, so on PostgreSQL the same statement notifies the
    // outbox channel (delivered at commit to every replica listening, whose streams then need no poll): a NOTIFY
    // of its own was one more round trip per commit.
    this.allocateSeqsSql = "UPDATE outbox_seq SET last = last + ? WHERE id = 1 RETURNING last"
        + (db.dialect() == Dialect.POSTGRESQL ? ", pg_notify('" + OUTBOX_CHANNEL + "', '')" : "");
    this.insertEventSql = "INSERT INTO events (seq, ts_ms, op, cluster, api_group, version, kind, resource,"
        + " namespace, name, uid, resource_version, object, epoch) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    this.upsertStatusSql = "INSERT INTO sync_status (cluster, api_group, resource, version, kind, namespaced, state,"
        + " object_count, last_resource_version, last_event_ms, last_error, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
        + " ON CONFLICT (cluster, api_group, resource) DO UPDATE SET version = excluded.version, kind = excluded.kind,"
        + " namespaced = excluded.namespaced, state = excluded.state, object_count = excluded.object_count,"
        + " last_resource_version = COALESCE(excluded.last_resource_version, sync_status.last_resource_version),"
        + " last_event_ms = COALESCE(excluded.last_event_ms, sync_status.last_event_ms),"
        + " last_error = excluded.last_error, updated_ms = excluded.updated_ms";
  }

  public Dialect dialect() {
    return db.dialect();
  }

  /**
   * A batch whose commit failed after it was sent: the database may have committed it, the answer lost with the
   * connection. Its last event's seq tells which: seqs are never reused, so that row exists exactly when it did.
   */
  private record Unconfirmed(List<Change> changes, long lastEventSeq) {}

  /** Set by a failed commit, read by the next {@link #apply}; one writer applies, so one is pending at most. */
  private volatile Unconfirmed unconfirmed;

  @Override
  public void apply(List<Change> changes) {
    if (changes.isEmpty() || committedAlready(changes)) {
      return;
    }
    Map<String, Long> fencedOut = new TreeMap<>();
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      try {
        long now = clock.millis();
        long lastSeq = 0;
        List<Change> segment = new ArrayList<>();
        for (Change change : admitted(c, changes, fencedOut)) {
          if (change instanceof Change.RemoveResource || change instanceof Change.RemoveCluster) {
            lastSeq = Math.max(lastSeq, applySegment(c, segment, now));
            segment.clear();
            lastSeq = Math.max(lastSeq, applyRemoval(c, change, now));
          } else {
            segment.add(change);
          }
        }
        lastSeq = Math.max(lastSeq, applySegment(c, segment, now));
        commit(c, changes, lastSeq);
      } catch (SQLException | RuntimeException e) {
        Database.rollbackAfter(c, e);
        throw e;
      }
    } catch (SQLException e) {
      throw StoreException.of("applying " + changes.size() + " changes", e);
    }
    MirrorFence f = fence;
    fencedOut.forEach((cluster, epoch) -> f.fenced(cluster, epoch));
  }

  /**
   * Several replicas on one database: only the changes of clusters whose lease this replica holds, at the epoch it
   * holds it, checked and locked in this transaction (see {@link Leases#holds}). The lease rows are locked in
   * cluster order, before the outbox counter, so two replicas' transactions never wait for each other in a cycle.
   * Removing a cluster (an API call, on any replica) is always written and deletes its lease: its former owner
   * then writes nothing more of it. Without a fence (one replica) every change is written.
   */
  private List<Change> admitted(Connection c, List<Change> changes, Map<String, Long> fencedOut) throws SQLException {
    MirrorFence f = fence;
    batchEpochs = Map.of();
    if (f == null) {
      return changes;
    }
    Set<String> clusters = new TreeSet<>();
    for (Change change : changes) {
      clusters.add(change.cluster());
    }
    Map<String, Long> writable = new HashMap<>();
    for (String cluster : clusters) {
      OptionalLong epoch = f.epoch(cluster);
      if (epoch.isEmpty()) {
        continue;
      }
      if (leases.holds(c, Leases.clusterLease(cluster), f.owner(), epoch.getAsLong())) {
        writable.put(cluster, epoch.getAsLong());
      } else {
        fencedOut.put(cluster, epoch.getAsLong());
      }
    }
    List<Change> out = new ArrayList<>(changes.size());
    for (Change change : changes) {
      if (change instanceof Change.RemoveCluster r) {
        leases.delete(c, Leases.clusterLease(r.cluster()));
        out.add(change);
      } else if (writable.containsKey(change.cluster())) {
        out.add(change);
      } else {
        fenced.incrementAndGet();
      }
    }
    batchEpochs = writable;
    return out;
  }

  /** Writes only what {@code fence} admits from now on (several replicas on one database). */
  public void fenceWith(MirrorFence fence) {
    this.fence = fence;
  }

  /** Changes not written because this replica did not hold their cluster's lease (any more). */
  public long fencedChanges() {
    return fenced.get();
  }

  /**
   * Commits; when the commit fails, remembers how to tell later whether it happened after all. A batch without
   * events needs no such care: writing it again changes nothing.
   *
   * @param lastEventSeq the seq of the batch's last event, 0 if it wrote none
   */
  private void commit(Connection c, List<Change> changes, long lastEventSeq) throws SQLException {
    try {
      c.commit();
    } catch (SQLException e) {
      if (lastEventSeq > 0) {
        unconfirmed = new Unconfirmed(List.copyOf(changes), lastEventSeq);
      }
      throw e;
    }
  }

  /**
   * Takes the next {@code n} outbox seqs; returns the first. The counter row stays locked until this transaction
   * ends, so transactions that write events commit in seq order, and a rollback returns the seqs.
   */
  private long allocateSeqs(Connection c, int n) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(allocateSeqsSql)) {
      ps.setInt(1, n);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("the outbox_seq row is missing", "55000");
        }
        return rs.getLong(1) - n + 1;
      }
    }
  }

  /** One event row before its seq is known. */
  private record PendingEvent(Change.Op op, String cluster, String group, String version, String kind,
                              String resource, String namespace, String name, String uid, String resourceVersion,
                              String objectJson, ObjectKey key) {}

  /**
   * Whether {@code changes} are a batch whose commit failed and the database committed it nonetheless: then
   * applying them again would write every event twice. Throws (retriable) while that cannot be told yet.
   */
  private boolean committedAlready(List<Change> changes) {
    Unconfirmed pending = unconfirmed;
    if (pending == null) {
      return false;
    }
    if (!pending.changes().equals(changes)) {
      unconfirmed = null;
      return false;
    }
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("SELECT 1 FROM events WHERE seq = ?")) {
      ps.setLong(1, pending.lastEventSeq());
      try (ResultSet rs = ps.executeQuery()) {
        boolean committed = rs.next();
        unconfirmed = null;
        return committed;
      }
    } catch (SQLException e) {
      throw StoreException.of("checking whether a batch of " + changes.size() + " changes was committed", e);
    }
  }

  /** The last object state a change left, for the delete events of objects that vanished unseen. */
  private record Known(String uid, String resourceVersion, String version, String kind, String objectJson) {}

  /** Writes a run of changes without removals; returns the seq of its last event, 0 if it wrote none. */
  private long applySegment(Connection c, List<Change> segment, long now) throws SQLException {
    if (segment.isEmpty()) {
      return 0;
    }
    // Objects table: only the last change per key matters. Events: every change, in order.
    Map<ObjectKey, Change> finalState = new LinkedHashMap<>();
    Map<ObjectKey, Known> known = new HashMap<>();
    Map<List<String>, Change.Status> statuses = new LinkedHashMap<>();
    List<PendingEvent> pending = new ArrayList<>();
    for (Change change : segment) {
      switch (change) {
        case Change.Upsert u -> {
          finalState.put(u.key(), u);
          known.put(u.key(), new Known(u.uid(), u.resourceVersion(), u.type().version(), u.type().kind(),
              u.objectJson()));
          pending.add(new PendingEvent(u.op(), u.cluster(), u.type().group(), u.type().version(), u.type().kind(),
              u.type().resource(), u.namespace(), u.name(), u.uid(), u.resourceVersion(), u.objectJson(), u.key()));
        }
        case Change.Delete d -> {
          Known last = known.containsKey(d.key()) ? known.get(d.key()) : load(c, d.key());
          known.put(d.key(), null);
          if (d.lastObjectJson() != null) {
            String uid = d.uid() != null ? d.uid() : last != null ? last.uid() : "";
            pending.add(new PendingEvent(Change.Op.DELETE, d.cluster(), d.type().group(), d.type().version(),
                d.type().kind(), d.type().resource(), d.namespace(), d.name(), uid,
                d.resourceVersion() != null ? d.resourceVersion() : last != null ? last.resourceVersion() : "",
                d.lastObjectJson(), d.key()));
            finalState.put(d.key(), d);
          } else if (last != null) {
            pending.add(new PendingEvent(Change.Op.DELETE, d.cluster(), d.type().group(), last.version(),
                last.kind(), d.type().resource(), d.namespace(), d.name(), last.uid(), last.resourceVersion(),
                last.objectJson(), d.key()));
            finalState.put(d.key(), d);
          }
        }
        case Change.Status s -> statuses.put(List.of(s.cluster(), s.type().group(), s.type().resource()), s);
        case Change.RemoveResource r -> throw new IllegalStateException("barrier inside a segment");
        case Change.RemoveCluster r -> throw new IllegalStateException("barrier inside a segment");
      }
    }
    long lastSeq = 0;
    Map<ObjectKey, Long> seqs = new HashMap<>();
    if (!pending.isEmpty()) {
      long seq = allocateSeqs(c, pending.size());
      try (PreparedStatement events = c.prepareStatement(insertEventSql)) {
        for (PendingEvent e : pending) {
          addEvent(events, seq, now, e);
          seqs.put(e.key(), seq);
          lastSeq = seq++;
        }
        events.executeBatch();
      }
    }
    writeObjects(c, finalState.values(), seqs, now);
    writeStatuses(c, statuses.values(), now);
    return lastSeq;
  }

  private Known load(Connection c, ObjectKey key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT uid, resource_version, version, kind, "
        + db.dialect().jsonText("object") + " FROM objects WHERE " + PK)) {
      key.bind(ps, 1);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new Known(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
            rs.getString(5)) : null;
      }
    }
  }

  /**
   * Writes the objects' final states. A statement is prepared only when the batch needs it: a single change, the
   * usual watch event, is one transaction of its own, and on SQLite preparing took a third of its time.
   */
  private void writeObjects(Connection c, Iterable<Change> finals, Map<ObjectKey, Long> seqs, long now)
      throws SQLException {
    List<Change.Upsert> upserts = new ArrayList<>();
    List<Change.Delete> deletes = new ArrayList<>();
    boolean owners = false;
    for (Change change : finals) {
      if (change instanceof Change.Upsert u) {
        upserts.add(u);
        owners |= !u.ownerUids().isEmpty();
      } else if (change instanceof Change.Delete d) {
        deletes.add(d);
      }
    }
    if (upserts.isEmpty() && deletes.isEmpty()) {
      return;
    }
    // A READ or CREATE of a key that was never stored has no owner rows to clear; the delete is still needed for
    // a re-list that finds a changed object, so it is done for every upsert.
    try (PreparedStatement deleteOwners = c.prepareStatement("DELETE FROM object_owners WHERE " + PK)) {
      for (Change.Upsert u : upserts) {
        u.key().bind(deleteOwners, 1);
        deleteOwners.addBatch();
      }
      for (Change.Delete d : deletes) {
        d.key().bind(deleteOwners, 1);
        deleteOwners.addBatch();
      }
      deleteOwners.executeBatch();
    }
    if (!upserts.isEmpty()) {
      try (PreparedStatement upsert = c.prepareStatement(upsertSql)) {
        for (Change.Upsert u : upserts) {
          ResourceType t = u.type();
          upsert.setString(1, u.cluster());
          upsert.setString(2, t.group());
          upsert.setString(3, t.version());
          upsert.setString(4, t.resource());
          upsert.setString(5, t.kind());
          upsert.setString(6, u.namespace());
          upsert.setString(7, u.name());
          upsert.setString(8, u.uid());
          upsert.setString(9, u.resourceVersion());
          upsert.setString(10, u.labelsJson());
          if (u.createdMs() == null) {
            upsert.setNull(11, Types.BIGINT);
          } else {
            upsert.setLong(11, u.createdMs());
          }
          upsert.setLong(12, now);
          upsert.setString(13, db.dialect().storableJson(u.objectJson()));
          upsert.setLong(14, seqs.get(u.key()));
          setEpoch(upsert, 15, u.cluster());
          upsert.addBatch();
        }
        upsert.executeBatch();
      }
    }
    if (owners) {
      try (PreparedStatement insertOwner = c.prepareStatement("INSERT INTO object_owners (cluster, api_group,"
          + " resource, namespace, name, owner_uid) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING")) {
        for (Change.Upsert u : upserts) {
          for (String owner : u.ownerUids()) {
            u.key().bind(insertOwner, 1);
            insertOwner.setString(6, owner);
            insertOwner.addBatch();
          }
        }
        insertOwner.executeBatch();
      }
    }
    if (!deletes.isEmpty()) {
      try (PreparedStatement delete = c.prepareStatement("DELETE FROM objects WHERE " + PK)) {
        for (Change.Delete d : deletes) {
          d.key().bind(delete, 1);
          delete.addBatch();
        }
        delete.executeBatch();
      }
    }
  }

  private void writeStatuses(Connection c, Collection<Change.Status> statuses, long now)
      throws SQLException {
    if (statuses.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(upsertStatusSql)) {
      for (Change.Status s : statuses) {
        ps.setString(1, s.cluster());
        ps.setString(2, s.type().group());
        ps.setString(3, s.type().resource());
        ps.setString(4, s.type().version());
        ps.setString(5, s.type().kind());
        ps.setBoolean(6, s.type().namespaced());
        ps.setString(7, s.state().dbValue());
        ps.setLong(8, s.objectCount());
        ps.setString(9, s.lastResourceVersion());
        if (s.lastEventMs() == null) {
          ps.setNull(10, Types.BIGINT);
        } else {
          ps.setLong(10, s.lastEventMs());
        }
        ps.setString(11, s.lastError());
        ps.setLong(12, now);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** Removes a resource's or a cluster's rows with a delete event each; returns the last event's seq (or 0). */
  private long applyRemoval(Connection c, Change removal, long now) throws SQLException {
    String where;
    List<String> args = new ArrayList<>();
    if (removal instanceof Change.RemoveResource r) {
      where = "cluster = ? AND api_group = ? AND resource = ?";
      args.addAll(List.of(r.cluster(), r.group(), r.resource()));
    } else {
      where = "cluster = ?";
      args.add(((Change.RemoveCluster) removal).cluster());
    }
    long lastSeq = 0;
    int rows;
    try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM objects WHERE " + where)) {
      for (int i = 0; i < args.size(); i++) {
        ps.setString(i + 1, args.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        rows = rs.getInt(1);
      }
    }
    if (rows > 0) {
      long first = allocateSeqs(c, rows);
      int written = execute(c, "INSERT INTO events (seq, ts_ms, op, cluster, api_group, version, kind, resource,"
          + " namespace, name, uid, resource_version, object) SELECT " + (first - 1)
          + " + ROW_NUMBER() OVER (ORDER BY namespace, name), " + now + ", 'd', cluster, api_group, version, kind,"
          + " resource, namespace, name, uid, resource_version, " + db.dialect().jsonText("object")
          + " FROM objects WHERE " + where, args);
      if (written != rows) {
        // One writer deletes rows; a mismatch means another one is at work, which this design does not allow.
        throw new SQLException("removal found " + rows + " rows but wrote " + written + " events", "40001");
      }
      lastSeq = first + rows - 1;
    }
    execute(c, "DELETE FROM objects WHERE " + where, args);
    execute(c, "DELETE FROM object_owners WHERE " + where, args);
    execute(c, "DELETE FROM sync_status WHERE " + where, args);
    return lastSeq;
  }

  private static int execute(Connection c, String sql, List<String> args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.size(); i++) {
        ps.setString(i + 1, args.get(i));
      }
      return ps.executeUpdate();
    }
  }

  private void addEvent(PreparedStatement ps, long seq, long now, PendingEvent e) throws SQLException {
    ps.setLong(1, seq);
    ps.setLong(2, now);
    ps.setString(3, e.op().code);
    ps.setString(4, e.cluster());
    ps.setString(5, e.group());
    ps.setString(6, e.version());
    ps.setString(7, e.kind());
    ps.setString(8, e.resource());
    ps.setString(9, e.namespace());
    ps.setString(10, e.name());
    ps.setString(11, e.uid());
    ps.setString(12, e.resourceVersion());
    ps.setString(13, e.objectJson());
    setEpoch(ps, 14, e.cluster());
    ps.addBatch();
  }

  /** The lease epoch a row is written under (several replicas), else NULL. */
  private void setEpoch(PreparedStatement ps, int index, String cluster) throws SQLException {
    Long epoch = batchEpochs.get(cluster);
    if (epoch == null) {
      ps.setNull(index, Types.BIGINT);
    } else {
      ps.setLong(index, epoch);
    }
  }

  @Override
  public Map<String, String> resourceVersions(String cluster, ResourceType type) {
    Map<String, String> out = new HashMap<>();
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("SELECT namespace, name, resource_version, version FROM objects"
             + " WHERE cluster = ? AND api_group = ? AND resource = ?")) {
      ps.setString(1, cluster);
      ps.setString(2, type.group());
      ps.setString(3, type.resource());
      ps.setFetchSize(1000);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1) + "/" + rs.getString(2),
              type.version().equals(rs.getString(4)) ? rs.getString(3) : OTHER_VERSION);
        }
      }
      return out;
    } catch (SQLException e) {
      throw StoreException.of("reading resource versions of " + cluster + " " + type.qualifiedResource(), e);
    }
  }

  @Override
  public Optional<StoredObject> get(ObjectKey key) {
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("SELECT version, kind, uid, resource_version, synced_ms, "
             + db.dialect().jsonText("object") + " FROM objects WHERE " + PK)) {
      key.bind(ps, 1);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new StoredObject(key, rs.getString(1), rs.getString(2), rs.getString(3),
            rs.getString(4), rs.getLong(5), rs.getString(6)));
      }
    } catch (SQLException e) {
      throw StoreException.of("reading " + key.path(), e);
    }
  }

  @Override
  public Map<String, String> uidVersions(String cluster) {
    Map<String, String> out = new HashMap<>();
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("SELECT uid, resource_version FROM objects WHERE cluster = ?")) {
      ps.setString(1, cluster);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getString(2));
        }
      }
      return out;
    } catch (SQLException e) {
      throw StoreException.of("reading uids of " + cluster, e);
    }
  }

  @Override
  public long count(String cluster) {
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM objects WHERE cluster = ?")) {
      ps.setString(1, cluster);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw StoreException.of("counting " + cluster, e);
    }
  }

  @Override
  public List<SyncStatusRow> syncStatus(String cluster) {
    List<SyncStatusRow> out = new ArrayList<>();
    try (Connection c = db.connection();
         PreparedStatement ps = c.prepareStatement("SELECT cluster, api_group, resource, version, kind, namespaced,"
             + " state, object_count, last_resource_version, last_event_ms, last_error, updated_ms FROM sync_status"
             + " WHERE cluster = ? ORDER BY api_group, resource")) {
      ps.setString(1, cluster);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long lastEvent = rs.getLong(10);
          Long lastEventMs = rs.wasNull() ? null : lastEvent;
          out.add(new SyncStatusRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getString(5), rs.getBoolean(6), SyncState.ofDb(rs.getString(7)), rs.getLong(8), rs.getString(9),
              lastEventMs, rs.getString(11), rs.getLong(12)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw StoreException.of("reading sync status of " + cluster, e);
    }
  }
}
