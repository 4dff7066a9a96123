package io.kubebackend.auth;

import io.kubebackend.store.Dialect;

/** {@link LoginRateLimiterTest} on PostgreSQL, where concurrent logins lock the bucket rows. */
class PostgresLoginRateLimiterIT extends LoginRateLimiterTest {
  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
