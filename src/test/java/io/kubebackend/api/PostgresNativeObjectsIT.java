package io.kubebackend.api;

import io.kubebackend.store.Dialect;

class PostgresNativeObjectsIT extends AbstractNativeObjectsIT {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
