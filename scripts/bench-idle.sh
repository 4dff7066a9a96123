#!/usr/bin/env bash
# Idle and per-event CPU: a kube-backend process on SQLite (--postgresql: on PostgreSQL) mirroring both local
# clusters, its CPU over S seconds of no changes and while P patches arrive at R per second. Prints numbers;
# asserts nothing. --jfr also records a flight recording (target/idle-cpu.jfr; see it with
# `jfr view hot-methods target/idle-cpu.jfr`).
#
#   scripts/bench-idle.sh [SECONDS (default 120)] [PATCHES (default 200)] [PER SECOND (default 20)] [--jfr]
#                         [--postgresql]
set -euo pipefail
exec "$(dirname "$0")/bench-main.sh" io.kubebackend.mirror.IdleCpuBench "$@"
