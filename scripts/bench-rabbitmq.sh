#!/usr/bin/env bash
# RabbitMQ benchmark: outbox -> RabbitMQ throughput beside RabbitMQ's own publish -> consume rate, and apiserver
# write -> STOMP-over-WebSocket subscriber latency. Prints numbers; asserts nothing.
#
#   scripts/bench-rabbitmq.sh [EVENTS (default 50000)] [CHANGES/S (default 200)] [SECONDS (default 20)]
#
# Uses the local cluster-1 and the test RabbitMQ, started if needed (KB_KEEP_SERVERS=1 leaves them running).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
source scripts/java-home.sh
export KB_KEEP_SERVERS=1
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec "$JAVA" -Xmx2g -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  io.kubebackend.events.RabbitBench "$@"
