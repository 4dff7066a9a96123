package io.kubebackend.store;

import io.kubebackend.testing.TestDatabases;

class SqliteMirrorStoreIT extends AbstractMirrorStoreIT {
  @Override
  Database open() {
    return TestDatabases.fresh(Dialect.SQLITE);
  }
}
