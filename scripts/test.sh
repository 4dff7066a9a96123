#!/usr/bin/env bash
# The whole test suite: unit tests and integration tests (*IT) against real local Kubernetes clusters,
# PostgreSQL and Kafka, which the tests start themselves through scripts/ and stop at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
scripts/prereqs.sh
source scripts/java-home.sh
# Build (or reuse) the Kubernetes binaries up front so the build time is in the log on its own line.
scripts/localk8s.sh build
start=$SECONDS
trap 'scripts/rabbitmq.sh stop >/dev/null 2>&1 || true; scripts/kafka.sh stop >/dev/null 2>&1 || true; scripts/postgres.sh stop >/dev/null 2>&1 || true; scripts/localk8s.sh stop >/dev/null 2>&1 || true' EXIT
# Maven's bundled Guava uses sun.misc.Unsafe; JDK 23+ warns about it unless allowed.
[[ "$(java_major "$JAVA_HOME")" -ge 23 ]] && export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
mvn -B -ntp verify "$@"
echo "[test] suite took $((SECONDS - start))s"
