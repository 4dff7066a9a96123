-- Users, roles and bearer tokens of the HTTP API (see io.kubebackend.auth).

-- A role is a named set of grants. The role 'admin' is built in: it may do everything, including managing
-- users and roles, and can be neither changed nor deleted.
CREATE TABLE auth_roles (
  name        TEXT   PRIMARY KEY,
  created_ms  BIGINT NOT NULL
);

-- What a role may do: read and/or write objects of a kind in a namespace of a cluster. '*' matches anything;
-- namespace '' means cluster-scoped objects; kind is the kubesys fullkind (Pod, apps.Deployment).
CREATE TABLE auth_grants (
  role       TEXT    NOT NULL REFERENCES auth_roles (name) ON DELETE CASCADE,
  cluster    TEXT    NOT NULL,
  namespace  TEXT    NOT NULL,
  kind       TEXT    NOT NULL,
  can_read   BOOLEAN NOT NULL,
  can_write  BOOLEAN NOT NULL,
  PRIMARY KEY (role, cluster, namespace, kind)
);

CREATE TABLE auth_users (
  name                 TEXT   PRIMARY KEY,
  password_hash        TEXT   NOT NULL,      -- bcrypt (salted, slow); never the password itself
  role                 TEXT   NOT NULL REFERENCES auth_roles (name),
  created_ms           BIGINT NOT NULL,
  password_changed_ms  BIGINT NOT NULL
);

-- Issued bearer tokens. Only the SHA-256 of a token is kept; logout and expiry delete the row.
CREATE TABLE auth_tokens (
  token_hash  TEXT   PRIMARY KEY,            -- hex SHA-256 of the token
  user_name   TEXT   NOT NULL REFERENCES auth_users (name) ON DELETE CASCADE,
  issued_ms   BIGINT NOT NULL,
  expires_ms  BIGINT NOT NULL
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_name);
CREATE INDEX auth_tokens_expires ON auth_tokens (expires_ms);

INSERT INTO auth_roles (name, created_ms) VALUES ('admin', 0);
INSERT INTO auth_grants (role, cluster, namespace, kind, can_read, can_write) VALUES ('admin', '*', '*', '*', true, true);
