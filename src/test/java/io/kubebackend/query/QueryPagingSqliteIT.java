package io.kubebackend.query;

import io.kubebackend.store.Dialect;

class QueryPagingSqliteIT extends AbstractQueryPagingIT {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
