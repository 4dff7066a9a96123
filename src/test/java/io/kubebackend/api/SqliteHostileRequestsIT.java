package io.kubebackend.api;

import io.kubebackend.store.Dialect;

class SqliteHostileRequestsIT extends AbstractHostileRequestsIT {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
