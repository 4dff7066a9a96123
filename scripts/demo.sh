#!/usr/bin/env bash
# The demo: builds everything, starts two local clusters and a RabbitMQ node (with Web-STOMP, for live refresh),
# and runs kube-backend on its embedded default (SQLite in .run/demo/kube-backend.db) mirroring both and publishing
# every change to RabbitMQ. Ctrl-C stops kube-backend, RabbitMQ and the clusters.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
scripts/prereqs.sh
source scripts/java-home.sh
PORT="${KB_PORT:-8080}"
scripts/localk8s.sh build
mapfile -t kubeconfigs < <(scripts/localk8s.sh start 2)
trap 'scripts/localk8s.sh stop' EXIT
rabbit_ports="$(scripts/rabbitmq.sh start)"
read -r rabbit_port stomp_port <<<"$rabbit_ports"
trap 'scripts/rabbitmq.sh stop; scripts/localk8s.sh stop' EXIT
[[ "$(java_major "$JAVA_HOME")" -ge 23 ]] && export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
mvn -B -ntp -q -DskipTests package
mkdir -p .run/demo
# The first admin's password, used when the demo database has no users yet (its first run).
export KB_ADMIN_PASSWORD="${KB_ADMIN_PASSWORD:-demo-admin-password}"
login="{\"kind\":\"User\",\"data\":{\"name\":\"admin\",\"password\":\"$(printf %s "$KB_ADMIN_PASSWORD" | base64 -w0)\"}}"
echo
echo "kube-backend will listen on http://127.0.0.1:$PORT (user admin, password $KB_ADMIN_PASSWORD on a new database)"
echo "  TOKEN=\$(curl -s -X POST http://127.0.0.1:$PORT/kubesys/system/login -d '$login' | jq -r .data)"
echo "  curl -H \"authorization: Bearer \$TOKEN\" http://127.0.0.1:$PORT/api/v1/clusters"
echo "  curl -H \"authorization: Bearer \$TOKEN\" http://127.0.0.1:$PORT/api/v1/clusters/cluster-1/api/v1/namespaces"
echo "  the README's walk-through: KB=http://127.0.0.1:$PORT KB_PASSWORD=$KB_ADMIN_PASSWORD bash walkthrough.sh"
echo "  kubectl: curl -s -H \"authorization: Bearer \$TOKEN\" http://127.0.0.1:$PORT/api/v1/kubeconfig > kb.kubeconfig"
echo "           kubectl --kubeconfig kb.kubeconfig --context _all get pods -A"
echo "  live changes: STOMP over ws://127.0.0.1:$stomp_port/ws (guest/guest), SUBSCRIBE /queue/pod with x-max-length:10000"
echo "  kubeconfigs of the clusters: ${kubeconfigs[*]}"
echo
jvm_opts=()
[[ "$(java_major "$JAVA_HOME")" -ge 23 ]] && jvm_opts+=(--sun-misc-unsafe-memory-access=allow)
"$JAVA" "${jvm_opts[@]}" -jar target/kube-backend.jar serve --port "$PORT" \
  --db "jdbc:sqlite:.run/demo/kube-backend.db" \
  --cluster "cluster-1=${kubeconfigs[0]}" --cluster "cluster-2=${kubeconfigs[1]}" \
  --rabbitmq "127.0.0.1:$rabbit_port" &
backend=$!
trap 'kill $backend 2>/dev/null; wait $backend 2>/dev/null; scripts/rabbitmq.sh stop; scripts/localk8s.sh stop' EXIT
trap 'exit 0' INT TERM
wait $backend
