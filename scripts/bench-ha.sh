#!/usr/bin/env bash
# Several replicas on one PostgreSQL: takeover time after kill -9 (p50/max over K kills), and initial sync of four
# clusters of N ConfigMaps with 1 and with 3 replicas in the same run. Prints numbers; asserts nothing.
#
#   scripts/bench-ha.sh [KILLS (default 10)] [OBJECTS PER CLUSTER (default 20000)]
#
# Uses the local clusters 1-4 and the test PostgreSQL, started if needed (KB_KEEP_SERVERS=1 leaves them running).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
source scripts/java-home.sh
[[ "$(java_major "$JAVA_HOME")" -ge 23 ]] && export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec "$JAVA" -Xmx1g -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  io.kubebackend.events.ReplicaBench "$@"
