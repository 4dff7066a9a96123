package io.kubebackend.api.kubesys;

import io.kubebackend.store.Dialect;

class KubesysRolesSqliteIT extends KubesysRolesContract {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
