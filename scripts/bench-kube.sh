#!/usr/bin/env bash
# Kubernetes API benchmark: kubectl get pods -A through the mirror vs against the apiserver over N Pods, and watch
# fan-out (heap, write -> event p50/p99, outbox reads) with 1 and with W watchers. Prints numbers; asserts nothing.
#
#   scripts/bench-kube.sh [PODS (default 50000)] [WATCHERS (default 1000)] [CHANGES/S (default 200)] [SECONDS (30)]
#
# Uses the local clusters, PostgreSQL and a cluster of its own (cluster-4), started if needed; it never stops the
# shared servers (KB_KEEP_SERVERS=1), stops cluster-4 only if it started it, and deletes its objects and database.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
source scripts/java-home.sh
export KB_KEEP_SERVERS=1
mvn -B -q package -DskipTests
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec "$JAVA" -Xmx2g -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  io.kubebackend.api.kube.KubeApiBench "$@"
