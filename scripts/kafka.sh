#!/usr/bin/env bash
# A real single-node Kafka broker in KRaft mode, run from the Kafka server artifacts on Maven Central.
#
#   scripts/kafka.sh start     format the log dir (first time) and start; prints the bootstrap address
#   scripts/kafka.sh stop      stop the broker started here (by PID)
#   scripts/kafka.sh bootstrap print the bootstrap address
#   scripts/kafka.sh proxied   print "LISTENER PROXY": the broker's listener for clients that come through a test
#                              proxy, and the proxy address it advertises to them (the test runs the proxy there)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
RUN="${KB_RUN_DIR:-$REPO/.run}/kafka"
CACHE="${KB_CACHE_DIR:-$HOME/.cache/kube-backend}"
PORT="${KB_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${KB_KAFKA_CONTROLLER_PORT:-19093}"
# A Kafka client connects to the addresses the broker advertises, not to its bootstrap address; so a proxy can see
# all of a client's connections (leader, transaction coordinator) only on a listener that advertises the proxy.
PROXIED_PORT="${KB_KAFKA_PROXIED_PORT:-$((PORT + 2))}"
PROXY_PORT="${KB_KAFKA_PROXY_PORT:-$((PORT + 3))}"
log() { echo "[kafka] $*" >&2; }
# shellcheck source=scripts/java-home.sh
source "$REPO/scripts/java-home.sh"

classpath() {
  local cpfile="$CACHE/kafka-$(sha1sum "$REPO/dev/kafka/pom.xml" | cut -c1-12).classpath"
  if [[ ! -s "$cpfile" ]]; then
    mkdir -p "$CACHE"
    (cd "$REPO/dev/kafka" && mvn -B -q dependency:build-classpath -Dmdep.outputFile="$cpfile.tmp" >&2)
    mv "$cpfile.tmp" "$cpfile"
  fi
  cat "$cpfile"
}

bootstrap() { echo "127.0.0.1:$PORT"; }

proxied() { echo "127.0.0.1:$PROXIED_PORT 127.0.0.1:$PROXY_PORT"; }

running() { [[ -f "$RUN/pid" ]] && kill -0 "$(cat "$RUN/pid")" 2>/dev/null; }

start() {
  if running; then log "already running"; bootstrap; return; fi
  local cp; cp="$(classpath)"
  mkdir -p "$RUN/data"
  cat >"$RUN/server.properties" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT,PROXIED://127.0.0.1:$PROXIED_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT,PROXIED://127.0.0.1:$PROXY_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,PROXIED:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$RUN/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
CONF
  if [[ ! -f "$RUN/data/meta.properties" ]]; then
    local id; id="$("$JAVA" -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
    "$JAVA" -cp "$cp" kafka.tools.StorageTool format -t "$id" -c "$RUN/server.properties" >"$RUN/format.log" 2>&1 \
      || { cat "$RUN/format.log" >&2; exit 1; }
  fi
  nohup "$JAVA" -Dlog4j2.configurationFile="$REPO/dev/kafka/log4j2.properties" -Xms256m -Xmx768m -XX:+UseG1GC -cp "$cp" kafka.Kafka "$RUN/server.properties" \
    >"$RUN/server.log" 2>&1 </dev/null &
  echo $! >"$RUN/pid"
  local i
  for i in $(seq 1 120); do
    if grep -q "Kafka Server started" "$RUN/server.log" 2>/dev/null; then log "started on $(bootstrap)"; bootstrap; return; fi
    running || { tail -n 40 "$RUN/server.log" >&2; log "broker exited during start"; exit 1; }
    sleep 0.5
  done
  tail -n 40 "$RUN/server.log" >&2; log "broker did not start in 60s"; exit 1
}

stop() {
  if running; then
    local pid; pid="$(cat "$RUN/pid")"
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped"
  fi
  rm -f "$RUN/pid"
}

"$@"
