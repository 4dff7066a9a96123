package io.kubebackend.api.kube;

import io.kubebackend.store.Dialect;

class PostgresKubeApiBadInputIT extends AbstractKubeApiBadInputIT {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
