package io.kubebackend.api;

import io.kubebackend.store.Dialect;

class PostgresHostileRequestsIT extends AbstractHostileRequestsIT {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
