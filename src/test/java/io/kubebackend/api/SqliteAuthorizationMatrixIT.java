package io.kubebackend.api;

import io.kubebackend.store.Dialect;

class SqliteAuthorizationMatrixIT extends AbstractAuthorizationMatrixIT {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
