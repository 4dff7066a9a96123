package io.kubebackend.api.kube;

import io.kubebackend.store.Dialect;

class PostgresInformerIT extends AbstractInformerIT {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
