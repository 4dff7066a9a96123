package io.kubebackend.api.kubesys;

import io.kubebackend.store.Dialect;

class KubesysBadInputPostgresIT extends KubesysBadInputContract {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
