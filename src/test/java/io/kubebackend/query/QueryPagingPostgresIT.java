package io.kubebackend.query;

import io.kubebackend.store.Dialect;

class QueryPagingPostgresIT extends AbstractQueryPagingIT {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
