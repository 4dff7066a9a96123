-- Login rate limits in the database, so that every replica counts the same attempts (see
-- io.kubebackend.auth.LoginRateLimiter). One token bucket per key: its level in thousandths of an attempt at last_ms.
-- The key is a SHA-256 of the client address (or of user name and address): user names may hold what TEXT refuses.
CREATE TABLE auth_login_buckets (
  bucket   TEXT PRIMARY KEY,
  milli    BIGINT NOT NULL,
  last_ms  BIGINT NOT NULL
);
-- Buckets idle for longer than their refill time are full again and pruned by age.
CREATE INDEX auth_login_buckets_last ON auth_login_buckets (last_ms);
