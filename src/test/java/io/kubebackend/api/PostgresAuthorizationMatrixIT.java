package io.kubebackend.api;

import io.kubebackend.store.Dialect;

class PostgresAuthorizationMatrixIT extends AbstractAuthorizationMatrixIT {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
