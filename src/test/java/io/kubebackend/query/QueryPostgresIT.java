package io.kubebackend.query;

import io.kubebackend.store.Dialect;

class QueryPostgresIT extends AbstractQueryIT {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
