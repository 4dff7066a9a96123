#!/usr/bin/env bash
# The demo: builds everything, starts two local clusters, and runs kube-backend on its embedded default
# (SQLite in .run/demo/kube-backend.db) mirroring both. Ctrl-C stops kube-backend and the clusters.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
scripts/prereqs.sh
source scripts/java-home.sh
PORT="${KB_PORT:-8080}"
scripts/localk8s.sh build
mapfile -t kubeconfigs < <(scripts/localk8s.sh start 2)
trap 'scripts/localk8s.sh stop' EXIT
[[ "$(java_major "$JAVA_HOME")" -ge 23 ]] && export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
mvn -B -ntp -q -DskipTests package
mkdir -p .run/demo
echo
echo "kube-backend will listen on http://127.0.0.1:$PORT"
echo "  curl http://127.0.0.1:$PORT/api/v1/clusters"
echo "  curl http://127.0.0.1:$PORT/api/v1/clusters/cluster-1/api/v1/namespaces"
echo "  kubeconfigs: ${kubeconfigs[*]}"
echo
jvm_opts=()
[[ "$(java_major "$JAVA_HOME")" -ge 23 ]] && jvm_opts+=(--sun-misc-unsafe-memory-access=allow)
"$JAVA" "${jvm_opts[@]}" -jar target/kube-backend.jar serve --port "$PORT" \
  --db "jdbc:sqlite:.run/demo/kube-backend.db" \
  --cluster "cluster-1=${kubeconfigs[0]}" --cluster "cluster-2=${kubeconfigs[1]}" &
backend=$!
trap 'kill $backend 2>/dev/null; wait $backend 2>/dev/null; scripts/localk8s.sh stop' EXIT
trap 'exit 0' INT TERM
wait $backend
