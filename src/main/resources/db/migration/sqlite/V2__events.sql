-- How far each publisher has published the outbox: every event with seq <= publisher_progress.seq has been
-- acknowledged by its destination (e.g. the Kafka topic named by `name`). A restart resumes after it.
CREATE TABLE publisher_progress (
  name       TEXT   PRIMARY KEY,
  seq        BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);

-- One row: every event with seq <= outbox_pruned.seq has been deleted from the outbox (and every later one is
-- kept). Stream clients resuming from an older seq get 410 Gone. Pruning walks the outbox in seq order through
-- the primary key, so events needs no index on ts_ms.
CREATE TABLE outbox_pruned (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  seq        BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
INSERT INTO outbox_pruned (id, seq, updated_ms) VALUES (1, 0, 0);
