#!/usr/bin/env bash
# Query API benchmark: label-selector list from kube-backend (PostgreSQL) vs from kube-apiserver, and a
# cross-cluster aggregation, over N mirrored Pods. Prints p50/p99; asserts nothing.
#
#   scripts/bench-query.sh [PODS (default 50000)] [ROUNDS (default 200)]
#
# Uses the local clusters, PostgreSQL and a cluster of its own (cluster-4), started if needed; it never stops the
# shared servers (KB_KEEP_SERVERS=1), stops cluster-4 only if it started it, and deletes its pods and database.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
source scripts/java-home.sh
export KB_KEEP_SERVERS=1
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec "$JAVA" -Xmx2g -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  io.kubebackend.query.QueryBench "$@"
