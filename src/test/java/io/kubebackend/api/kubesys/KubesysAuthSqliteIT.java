package io.kubebackend.api.kubesys;

import io.kubebackend.store.Dialect;

class KubesysAuthSqliteIT extends KubesysAuthContract {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
