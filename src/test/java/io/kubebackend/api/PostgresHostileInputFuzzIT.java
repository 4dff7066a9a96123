package io.kubebackend.api;

import io.kubebackend.store.Dialect;

class PostgresHostileInputFuzzIT extends AbstractHostileInputFuzzIT {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
