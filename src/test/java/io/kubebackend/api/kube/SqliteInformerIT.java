package io.kubebackend.api.kube;

import io.kubebackend.store.Dialect;

class SqliteInformerIT extends AbstractInformerIT {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
