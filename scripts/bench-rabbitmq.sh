#!/usr/bin/env bash
# RabbitMQ benchmark: outbox -> RabbitMQ throughput beside RabbitMQ's own publish -> consume rate, and apiserver
# write -> STOMP-over-WebSocket subscriber latency. Prints numbers; asserts nothing.
#
#   scripts/bench-rabbitmq.sh [EVENTS (default 50000)] [CHANGES/S (default 200)] [SECONDS (default 20)]
#
# Uses the local cluster-1 and the test RabbitMQ, started if needed (KB_KEEP_SERVERS=1 leaves them running).
set -euo pipefail
export KB_KEEP_SERVERS=1
exec "$(dirname "$0")/bench-main.sh" io.kubebackend.events.RabbitBench "$@"
