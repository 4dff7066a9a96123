package io.kubebackend.query;

import io.kubebackend.store.Dialect;

class QuerySqliteIT extends AbstractQueryIT {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
