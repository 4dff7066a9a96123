#!/usr/bin/env bash
# Runs KafkaDownIT (both databases) N times in a row and prints "passed X of N": a flaky ordering bug shows up as
# a count below N. Builds once; each run is one failsafe execution of the compiled classes, logged to
# target/loop-kafka-down/run-I.log with its time.
#
#   scripts/loop-kafka-down.sh [N=20]
#
# The local servers (clusters, PostgreSQL, Kafka) are started once and kept between runs; at the end the script
# stops those it started. The usual KB_*_PORT variables choose the ports.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-20}"
export PATH="$PATH:/usr/local/go/bin"
# shellcheck source=scripts/java-home.sh
source scripts/java-home.sh
# Maven's bundled Guava uses sun.misc.Unsafe; JDK 23+ warns about it unless allowed.
[[ "$(java_major "$JAVA_HOME")" -ge 23 ]] && export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
logs=target/loop-kafka-down

started=()
cleanup() {
  local s
  for s in "${started[@]}"; do "scripts/$s.sh" stop >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
grep -q running <<<"$(scripts/localk8s.sh status 2>/dev/null || true)" || started+=(localk8s)
scripts/localk8s.sh start 2 >/dev/null
for s in postgres kafka; do
  out="$("scripts/$s.sh" start 2>&1 >/dev/null)"
  grep -q "already running" <<<"$out" || started+=("$s")
done
# Each test JVM would otherwise stop PostgreSQL and Kafka when it exits.
export KB_KEEP_SERVERS=1

echo "[loop] building" >&2
mkdir -p "$logs"
mvn -B -ntp -DskipTests test-compile >"$logs/build.log" 2>&1 || { tail -n 40 "$logs/build.log" >&2; exit 1; }
passed=0
for i in $(seq 1 "$n"); do
  rm -rf target/failsafe-reports # failsafe:verify would also count an earlier run's summary
  t0=$SECONDS
  if mvn -B -ntp failsafe:integration-test failsafe:verify -Dit.test=KafkaDownIT >"$logs/run-$i.log" 2>&1; then
    passed=$((passed + 1)); result=passed
  else
    result="FAILED (see $logs/run-$i.log)"
  fi
  echo "[loop] run $i of $n: $result in $((SECONDS - t0))s" >&2
done
echo "passed $passed of $n"
[[ "$passed" -eq "$n" ]]
