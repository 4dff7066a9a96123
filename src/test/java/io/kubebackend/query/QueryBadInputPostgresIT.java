package io.kubebackend.query;

import io.kubebackend.store.Dialect;

class QueryBadInputPostgresIT extends AbstractQueryBadInputIT {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
