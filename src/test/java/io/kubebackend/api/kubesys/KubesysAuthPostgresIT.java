package io.kubebackend.api.kubesys;

import io.kubebackend.store.Dialect;

class KubesysAuthPostgresIT extends KubesysAuthContract {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
