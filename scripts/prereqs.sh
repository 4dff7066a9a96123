#!/usr/bin/env bash
# Installs what a fresh machine lacks for the build, the demo and the tests: a JDK >= 21 check, Maven, Go,
# PostgreSQL server binaries (Debian's packages), openssl, curl and jq
# (the README's walk-through uses jq). Idempotent; does nothing when all is there.
set -euo pipefail
need=()
command -v mvn >/dev/null || need+=(maven)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
command -v jq >/dev/null || need+=(jq)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v psql >/dev/null || need+=(postgresql-client)
if ((${#need[@]})); then
  echo "[prereqs] installing: ${need[*]}" >&2
  SUDO=""; [[ $EUID -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  # Debian's postgresql package starts a cluster on 5432; the project runs its own, so that one may stay.
fi
command -v go >/dev/null || [[ -x /usr/local/go/bin/go ]] || {
  echo "[prereqs] Go is required to build kube-apiserver and etcd (apt-get install golang-go, or /usr/local/go)" >&2; exit 1; }
