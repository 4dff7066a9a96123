-- Several kube-backend replicas on one database (see io.kubebackend.store.Leases).
-- A replica's heartbeat: who is alive, for spreading clusters over the replicas.
CREATE TABLE replicas (
  replica_id    TEXT PRIMARY KEY,
  started_ms    BIGINT NOT NULL,
  heartbeat_ms  BIGINT NOT NULL
);
-- One row per lease ("cluster:<id>", "sinks"): its owner until expires_ms, and the fencing epoch, which grows at
-- every takeover. A mirror's transaction locks its cluster's row and writes only while the row still names it at
-- its epoch, so a former owner that wakes up after a takeover writes nothing.
CREATE TABLE leases (
  name         TEXT PRIMARY KEY,
  owner        TEXT NOT NULL,
  epoch        BIGINT NOT NULL,
  acquired_ms  BIGINT NOT NULL,
  expires_ms   BIGINT NOT NULL
);
-- The lease epoch each object row and event was written under (NULL with one replica, and for the delete events of
-- a cluster's removal): what shows that a former owner wrote nothing after a takeover.
ALTER TABLE objects ADD COLUMN epoch BIGINT;
ALTER TABLE events ADD COLUMN epoch BIGINT;
