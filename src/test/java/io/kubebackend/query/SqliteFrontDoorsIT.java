package io.kubebackend.query;

import io.kubebackend.store.Dialect;

class SqliteFrontDoorsIT extends AbstractFrontDoorsIT {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
