package io.kubebackend.events;

import io.kubebackend.store.Dialect;

class OutboxSqliteTest extends OutboxContract {
  OutboxSqliteTest() {
    super(Dialect.SQLITE);
  }
}
