package io.kubebackend.api.kubesys;

import io.kubebackend.store.Dialect;

class KubesysRolesPostgresIT extends KubesysRolesContract {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
