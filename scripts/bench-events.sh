#!/usr/bin/env bash
# Benchmark of change events against the local test servers: apiserver write -> Kafka consumer latency
# (p50/p99) at fixed write rates, and outbox -> Kafka throughput. Prints numbers, asserts nothing.
#
#   scripts/bench-events.sh [sqlite|postgresql] [bench-events options, e.g. --rates 200,2000 --seconds 15]
#
# Uses cluster-1, PostgreSQL and Kafka from scripts/localk8s.sh, postgres.sh and kafka.sh (started if they are
# not running, and left running). The database is fresh: a temporary SQLite file, or a new PostgreSQL database
# that is dropped afterwards.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
export PATH="$PATH:/usr/local/go/bin"
# shellcheck source=scripts/java-home.sh
source scripts/java-home.sh
RUN="${KB_RUN_DIR:-$REPO/.run}"
kind="${1:-sqlite}"
[[ $# -gt 0 ]] && shift

kubeconfig="$RUN/localk8s/cluster-1/kubeconfig"
status="$(scripts/localk8s.sh status 2>/dev/null || true)"
if ! grep -q "^cluster-1 running" <<<"$status" || [[ ! -f "$kubeconfig" ]]; then
  kubeconfig="$(scripts/localk8s.sh start 1 | grep kubeconfig | head -n1)"
fi
kafka="$(scripts/kafka.sh start | tail -n1)"
case "$kind" in
  sqlite)
    dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
    db=(--db "jdbc:sqlite:$dir/bench.db") ;;
  postgresql)
    db=(--db "$(scripts/postgres.sh start | tail -n1)" --create-database) ;;
  *) echo "usage: $0 [sqlite|postgresql] [options]" >&2; exit 2 ;;
esac

[[ -f target/kube-backend.jar && -z "$(find src pom.xml -newer target/kube-backend.jar -print -quit)" ]] \
  || mvn -B -q -DskipTests package >&2
exec "$JAVA" -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar target/kube-backend.jar bench events \
  "${db[@]}" --kubeconfig "$kubeconfig" --kafka "$kafka" "$@"
