package io.kubebackend.query;

import io.kubebackend.store.Dialect;

class QueryBadInputSqliteIT extends AbstractQueryBadInputIT {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
