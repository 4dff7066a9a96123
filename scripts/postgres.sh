#!/usr/bin/env bash
# A throwaway PostgreSQL on a private port and data dir, for tests, benchmarks and the demo.
#
#   scripts/postgres.sh start     initdb (first time) and start; prints the JDBC URL
#   scripts/postgres.sh stop      stop it (fast shutdown)
#   scripts/postgres.sh restart-immediate
#                                 crash it (immediate shutdown: no checkpoint, every connection cut) and start it
#                                 again, which runs crash recovery; for fault tests
#   scripts/postgres.sh url       print the JDBC URL
#
# KB_PG_PORT and KB_RUN_DIR choose the instance: a test that crashes PostgreSQL runs its own, so that no other
# test loses its server.
#
# initdb refuses to run as root, so as root the server runs as the `postgres` system user.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
RUN="${KB_RUN_DIR:-$REPO/.run}/postgres"
PORT="${KB_PG_PORT:-15432}"
DB=kubebackend
USER_NAME=kubebackend
log() { echo "[postgres] $*" >&2; }

pgbin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$d/initdb" ]] && { echo "$d"; return; }
  done
  log "PostgreSQL server binaries not found (install: apt-get install -y postgresql)"; exit 1
}

as_owner() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

password() { cat "$RUN/password"; }

url() { echo "jdbc:postgresql://127.0.0.1:$PORT/$DB?user=$USER_NAME&password=$(password)"; }

start() {
  local bin; bin="$(pgbin)"
  mkdir -p "$RUN"
  if [[ ! -f "$RUN/data/PG_VERSION" ]]; then
    [[ -f "$RUN/password" ]] || head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$RUN/password"
    chmod 600 "$RUN/password"
    mkdir -p "$RUN/data"
    if [[ $EUID -eq 0 ]]; then
      chown -R postgres:postgres "$RUN/data"
      # the server user must be able to read its password file and reach the data dir
      install -o postgres -m 600 "$RUN/password" "$RUN/data.pwfile"
    else
      cp "$RUN/password" "$RUN/data.pwfile"
    fi
    as_owner "$bin/initdb" -D "$RUN/data" -U "$USER_NAME" --pwfile="$RUN/data.pwfile" \
      --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$RUN/initdb.log" 2>&1 \
      || { cat "$RUN/initdb.log" >&2; exit 1; }
    rm -f "$RUN/data.pwfile"
    cat >>"$RUN/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = ''
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
CONF
  fi
  if as_owner "$bin/pg_ctl" -D "$RUN/data" status >/dev/null 2>&1; then
    log "already running on port $PORT"
  else
    # The port on the command line too: a data dir made under another KB_PG_PORT would listen on that one.
    as_owner "$bin/pg_ctl" -D "$RUN/data" -l "$RUN/data/server.log" -o "-p $PORT" -w -t 60 start >/dev/null
    log "started on 127.0.0.1:$PORT"
  fi
  if ! PGPASSWORD="$(password)" psql -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" -d postgres -tAc \
        "select 1 from pg_database where datname='$DB'" | grep -q 1; then
    PGPASSWORD="$(password)" psql -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" -d postgres -qc "create database $DB" >/dev/null
  fi
  url
}

stop() {
  local bin; bin="$(pgbin)"
  if [[ -f "$RUN/data/postmaster.pid" ]]; then
    as_owner "$bin/pg_ctl" -D "$RUN/data" -m fast -w stop >/dev/null && log "stopped"
  fi
}

# pg_ctl finds the server by the PID in its data directory's postmaster.pid: only this instance is touched.
restart-immediate() {
  local bin; bin="$(pgbin)"
  [[ -f "$RUN/data/postmaster.pid" ]] || { log "not running"; exit 1; }
  as_owner "$bin/pg_ctl" -D "$RUN/data" -l "$RUN/data/server.log" -m immediate -w -t 60 restart >/dev/null
  log "crashed (immediate shutdown) and restarted on 127.0.0.1:$PORT"
}

"$@"
