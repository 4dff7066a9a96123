package io.kubebackend.api;

import io.kubebackend.store.Dialect;

class SqliteHostileInputFuzzIT extends AbstractHostileInputFuzzIT {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
