package io.kubebackend.api;

import io.kubebackend.store.Dialect;

class SqliteClusterApiIT extends AbstractClusterApiIT {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
