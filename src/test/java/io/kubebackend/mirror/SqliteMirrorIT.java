package io.kubebackend.mirror;

import io.kubebackend.store.Dialect;

class SqliteMirrorIT extends AbstractMirrorIT {
  @Override
  Dialect dialect() {
    return Dialect.SQLITE;
  }
}
