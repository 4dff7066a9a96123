package io.kubebackend.query;

import io.kubebackend.store.Dialect;

class PostgresFrontDoorsIT extends AbstractFrontDoorsIT {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
