package io.kubebackend.api.kubesys;

import io.kubebackend.store.Dialect;

class KubesysBadInputSqliteIT extends KubesysBadInputContract {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
