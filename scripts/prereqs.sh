#!/usr/bin/env bash
# Installs what a fresh machine lacks for the build, the demo and the tests: a JDK >= 21 check, Maven, Go,
# PostgreSQL server binaries and RabbitMQ (Debian's packages), openssl, curl and jq (the README's walk-through
# uses jq), npm (it installs the console's pinned Node and build tools), and Chromium with its driver for the
# console's browser tests. Idempotent; does nothing when all is there.
set -euo pipefail
need=()
command -v mvn >/dev/null || need+=(maven)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
command -v jq >/dev/null || need+=(jq)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v psql >/dev/null || need+=(postgresql-client)
[[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || need+=(rabbitmq-server)
command -v npm >/dev/null || need+=(nodejs npm)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
if ((${#need[@]})); then
  echo "[prereqs] installing: ${need[*]}" >&2
  SUDO=""; [[ $EUID -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  # No service starts during the install (the project runs its own PostgreSQL and RabbitMQ on private ports);
  # a policy-rc.d that was already there stays.
  policy=/usr/sbin/policy-rc.d; own_policy=""
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee $policy >/dev/null && $SUDO chmod +x $policy && own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  if [[ -n $own_policy ]]; then $SUDO rm -f $policy; fi
fi
command -v go >/dev/null || [[ -x /usr/local/go/bin/go ]] || {
  echo "[prereqs] Go is required to build kube-apiserver and etcd (apt-get install golang-go, or /usr/local/go)" >&2; exit 1; }
