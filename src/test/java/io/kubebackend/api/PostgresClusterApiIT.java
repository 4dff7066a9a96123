package io.kubebackend.api;

import io.kubebackend.store.Dialect;

class PostgresClusterApiIT extends AbstractClusterApiIT {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
