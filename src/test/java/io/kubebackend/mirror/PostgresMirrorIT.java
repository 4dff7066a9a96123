package io.kubebackend.mirror;

import io.kubebackend.store.Dialect;

class PostgresMirrorIT extends AbstractMirrorIT {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
