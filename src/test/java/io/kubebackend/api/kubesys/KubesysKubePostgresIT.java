package io.kubebackend.api.kubesys;

import io.kubebackend.store.Dialect;

class KubesysKubePostgresIT extends KubesysKubeContract {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
