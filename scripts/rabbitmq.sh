#!/usr/bin/env bash
# A real RabbitMQ node (Debian's rabbitmq-server) with the rabbitmq_web_stomp plugin, on private ports, node name,
# Erlang port mapper and data dir, for the tests and the demo.
#
#   scripts/rabbitmq.sh start      start (first time: create the data dir); prints "AMQP_PORT WEB_STOMP_PORT"
#   scripts/rabbitmq.sh stop       stop the node and its port mapper started here (by PID)
#   scripts/rabbitmq.sh ports      print "AMQP_PORT WEB_STOMP_PORT"
#   scripts/rabbitmq.sh ctl ARGS   rabbitmqctl against this node (e.g. add_user, add_vhost)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
RUN="${KB_RUN_DIR:-$REPO/.run}/rabbitmq"
# Below the kernel's ephemeral range (32768-60999): a port in it can be taken by any outgoing connection while
# the node is down for an outage test, and the node then cannot listen again (eaddrinuse).
PORT="${KB_RABBITMQ_PORT:-17672}"
STOMP_PORT="${KB_RABBITMQ_STOMP_PORT:-$((PORT + 1))}"
STOMP_TCP_PORT="$((PORT + 2))"
EPMD_PORT="${KB_RABBITMQ_EPMD_PORT:-$((PORT + 3))}"
DIST_PORT="$((PORT + 4))"
SBIN=/usr/lib/rabbitmq/bin
log() { echo "[rabbitmq] $*" >&2; }

# Everything the node and rabbitmqctl read; nothing of the machine's default node (/var/lib/rabbitmq, port 5672).
export HOME="$RUN/home" ERL_EPMD_PORT="$EPMD_PORT" RABBITMQ_NODENAME="kb-test-$PORT@localhost" \
  RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$PORT" RABBITMQ_DIST_PORT="$DIST_PORT" \
  RABBITMQ_MNESIA_BASE="$RUN/mnesia" RABBITMQ_LOG_BASE="$RUN/log" RABBITMQ_CONFIG_FILE="$RUN/rabbitmq" \
  RABBITMQ_ENABLED_PLUGINS_FILE="$RUN/enabled_plugins" RABBITMQ_PID_FILE="$RUN/node.pid" \
  RABBITMQ_ADVANCED_CONFIG_FILE="$RUN/advanced.config" RABBITMQ_CONF_ENV_FILE="$RUN/rabbitmq-env.conf"

ports() { echo "$PORT $STOMP_PORT"; }

running() { [[ -f "$RUN/pid" ]] && kill -0 "$(cat "$RUN/pid")" 2>/dev/null; }

ctl() { "$SBIN/rabbitmqctl" -n "$RABBITMQ_NODENAME" "$@"; }

start() {
  [[ -x "$SBIN/rabbitmq-server" ]] || { log "rabbitmq-server is not installed (scripts/prereqs.sh installs it)"; exit 1; }
  if running; then log "already running"; ports; return; fi
  mkdir -p "$RUN/home" "$RUN/mnesia" "$RUN/log"
  chmod 700 "$RUN/home"
  cat >"$RUN/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$PORT
stomp.listeners.tcp.1 = 127.0.0.1:$STOMP_TCP_PORT
web_stomp.tcp.port = $STOMP_PORT
web_stomp.tcp.ip = 127.0.0.1
log.console = false
log.file.level = warning
CONF
  echo "[rabbitmq_web_stomp]." >"$RUN/enabled_plugins"
  echo "[]." >"$RUN/advanced.config"
  : >"$RUN/rabbitmq-env.conf"
  if ! { [[ -f "$RUN/epmd.pid" ]] && kill -0 "$(cat "$RUN/epmd.pid")" 2>/dev/null; }; then
    nohup epmd -port "$EPMD_PORT" >"$RUN/log/epmd.log" 2>&1 </dev/null &
    echo $! >"$RUN/epmd.pid"
  fi
  nohup "$SBIN/rabbitmq-server" >"$RUN/log/server.out" 2>&1 </dev/null &
  echo $! >"$RUN/pid"
  local i
  for i in $(seq 1 120); do
    if ctl await_startup --timeout 1 >/dev/null 2>&1; then
      # Accepting AMQP and Web-STOMP connections, not only booted.
      if (exec 3<>"/dev/tcp/127.0.0.1/$STOMP_PORT") 2>/dev/null; then log "started: AMQP $PORT, Web-STOMP $STOMP_PORT"; ports; return; fi
    fi
    running || { tail -n 40 "$RUN/log/server.out" >&2; log "node exited during start"; exit 1; }
    sleep 0.5
  done
  tail -n 40 "$RUN/log/server.out" >&2; log "node did not start in 60s"; exit 1
}

stop() {
  if running; then
    local pid; pid="$(cat "$RUN/pid")"
    ctl stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped"
  fi
  rm -f "$RUN/pid"
  if [[ -f "$RUN/epmd.pid" ]]; then
    kill "$(cat "$RUN/epmd.pid")" 2>/dev/null || true
    rm -f "$RUN/epmd.pid"
  fi
}

"$@"
