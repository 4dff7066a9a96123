package io.kubebackend.events;

import io.kubebackend.store.Dialect;

class OutboxPostgresIT extends OutboxContract {
  OutboxPostgresIT() {
    super(Dialect.POSTGRESQL);
  }
}
