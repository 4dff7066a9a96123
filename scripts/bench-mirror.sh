#!/usr/bin/env bash
# Mirror benchmark: initial sync rate with outbox events vs bare upserts, heap per object, on SQLite and
# PostgreSQL, against local cluster-1. Usage: scripts/bench-mirror.sh [objects]   (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
source scripts/java-home.sh
N="${1:-20000}"
mapfile -t kubeconfigs < <(scripts/localk8s.sh start 2)
kubeconfig="${kubeconfigs[0]}"
pg="$(scripts/postgres.sh start | tail -n1)"
[[ -f target/kube-backend.jar ]] || mvn -B -ntp -q -DskipTests package
"$JAVA" -Xmx2g -jar target/kube-backend.jar bench mirror --kubeconfig "$kubeconfig" --objects "$N"
db="bench_$$"
PGPASSWORD="$(cat .run/postgres/password)" psql -h 127.0.0.1 -p "${KB_PG_PORT:-15432}" -U kubebackend -d postgres -qc "create database $db"
"$JAVA" -Xmx2g -jar target/kube-backend.jar bench mirror --kubeconfig "$kubeconfig" --objects "$N" \
  --db "${pg/\/kubebackend?//$db?}"
PGPASSWORD="$(cat .run/postgres/password)" psql -h 127.0.0.1 -p "${KB_PG_PORT:-15432}" -U kubebackend -d postgres -qc "drop database $db"
