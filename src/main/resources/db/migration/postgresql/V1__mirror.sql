-- Every mirrored object of every cluster, one row each (not one table per kind).
CREATE TABLE objects (
  cluster          TEXT   NOT NULL,
  api_group        TEXT   NOT NULL,            -- '' for the core group
  version          TEXT   NOT NULL,
  resource         TEXT   NOT NULL,            -- plural, e.g. deployments
  kind             TEXT   NOT NULL,
  namespace        TEXT   NOT NULL,            -- '' for cluster-scoped objects
  name             TEXT   NOT NULL,
  uid              TEXT   NOT NULL,
  resource_version TEXT   NOT NULL,            -- opaque: compared for equality only
  labels           JSONB  NOT NULL,
  created_ms       BIGINT,                     -- metadata.creationTimestamp, epoch ms
  synced_ms        BIGINT NOT NULL,            -- when this row was last written
  object           JSONB  NOT NULL,
  PRIMARY KEY (cluster, api_group, resource, namespace, name)
);
CREATE INDEX objects_uid ON objects (uid);
CREATE INDEX objects_kind ON objects (kind, cluster, namespace, name);
CREATE INDEX objects_labels ON objects USING GIN (labels jsonb_path_ops);
CREATE INDEX objects_created ON objects (created_ms);

-- metadata.ownerReferences, all owners of each object, indexed by owner uid.
CREATE TABLE object_owners (
  cluster    TEXT NOT NULL,
  owner_uid  TEXT NOT NULL,
  api_group  TEXT NOT NULL,
  resource   TEXT NOT NULL,
  namespace  TEXT NOT NULL,
  name       TEXT NOT NULL,
  PRIMARY KEY (cluster, api_group, resource, namespace, name, owner_uid)
);
CREATE INDEX object_owners_owner ON object_owners (cluster, owner_uid);

-- One row per cluster and mirrored resource.
CREATE TABLE sync_status (
  cluster               TEXT   NOT NULL,
  api_group             TEXT   NOT NULL,
  resource              TEXT   NOT NULL,
  version               TEXT   NOT NULL,
  kind                  TEXT   NOT NULL,
  namespaced            BOOLEAN NOT NULL,
  state                 TEXT   NOT NULL,       -- syncing | synced | error
  object_count          BIGINT NOT NULL,
  last_resource_version TEXT,
  last_event_ms         BIGINT,
  last_error            TEXT,
  updated_ms            BIGINT NOT NULL,
  PRIMARY KEY (cluster, api_group, resource)
);

-- The transactional outbox: one row per change, written in the same transaction as the object row.
CREATE TABLE events (
  seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ts_ms            BIGINT NOT NULL,
  op               CHAR(1) NOT NULL,           -- c u d r
  cluster          TEXT   NOT NULL,
  api_group        TEXT   NOT NULL,
  version          TEXT   NOT NULL,
  kind             TEXT   NOT NULL,
  resource         TEXT   NOT NULL,
  namespace        TEXT   NOT NULL,
  name             TEXT   NOT NULL,
  uid              TEXT   NOT NULL,
  resource_version TEXT   NOT NULL,
  object           JSONB  NOT NULL
);

-- Clusters registered at runtime (configuration-file clusters are not stored here).
CREATE TABLE clusters (
  id          TEXT PRIMARY KEY,
  spec        TEXT NOT NULL,
  created_ms  BIGINT NOT NULL
);
