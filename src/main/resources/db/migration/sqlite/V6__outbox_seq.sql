-- The outbox sequence as one counter row (see the PostgreSQL migration): a writer allocates its events' seqs with
-- UPDATE ... RETURNING inside its transaction.
CREATE TABLE outbox_seq (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  last  BIGINT NOT NULL
);
INSERT INTO outbox_seq (id, last) SELECT 1, MAX(COALESCE((SELECT MAX(seq) FROM events), 0),
  (SELECT seq FROM outbox_pruned WHERE id = 1),
  COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0));

-- The seq of each object's last change: the resourceVersion the Kubernetes API of the mirror shows for it.
ALTER TABLE objects ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
UPDATE objects SET seq = m.seq FROM (SELECT cluster, api_group, resource, namespace, name, MAX(seq) AS seq
  FROM events GROUP BY cluster, api_group, resource, namespace, name) AS m
  WHERE objects.cluster = m.cluster AND objects.api_group = m.api_group AND objects.resource = m.resource
    AND objects.namespace = m.namespace AND objects.name = m.name;
UPDATE objects SET seq = (SELECT last FROM outbox_seq) WHERE seq = 0;
