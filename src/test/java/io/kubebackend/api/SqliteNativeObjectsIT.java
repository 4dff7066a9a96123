package io.kubebackend.api;

import io.kubebackend.store.Dialect;

class SqliteNativeObjectsIT extends AbstractNativeObjectsIT {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
