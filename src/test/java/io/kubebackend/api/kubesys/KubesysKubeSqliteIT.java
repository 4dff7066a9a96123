package io.kubebackend.api.kubesys;

import io.kubebackend.store.Dialect;

class KubesysKubeSqliteIT extends KubesysKubeContract {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
