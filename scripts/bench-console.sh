#!/usr/bin/env bash
# Console benchmark: the time from entering a search to its first page of rows, in headless Chromium, over N
# mirrored Pods (PostgreSQL), beside the same query asked of the API alone. Prints p50/max; asserts nothing.
#
#   scripts/bench-console.sh [PODS (default 50000)] [ROUNDS (default 10)]
#
# Uses the local clusters, PostgreSQL and a cluster of its own (cluster-4), started if needed; it never stops the
# shared servers (KB_KEEP_SERVERS=1), stops cluster-4 only if it started it, and deletes its pods.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
source scripts/java-home.sh
export KB_KEEP_SERVERS=1
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec "$JAVA" -Xmx2g -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  io.kubebackend.api.ConsoleBench "$@"
