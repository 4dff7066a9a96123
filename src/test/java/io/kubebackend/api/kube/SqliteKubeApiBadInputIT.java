package io.kubebackend.api.kube;

import io.kubebackend.store.Dialect;

class SqliteKubeApiBadInputIT extends AbstractKubeApiBadInputIT {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
