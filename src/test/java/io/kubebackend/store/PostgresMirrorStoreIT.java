package io.kubebackend.store;

import io.kubebackend.testing.TestDatabases;

class PostgresMirrorStoreIT extends AbstractMirrorStoreIT {
  @Override
  Database open() {
    return TestDatabases.fresh(Dialect.POSTGRESQL);
  }
}
