#!/usr/bin/env bash
# kube-backend beside Clusterpedia's clustersynchro-manager on the same cluster and PostgreSQL: initial-sync time,
# CPU and RSS, CPU while patches arrive, patch -> row p50/p99. Prints numbers; asserts nothing.
# Clusterpedia cannot be built from the Go module proxy (it refuses the module); build it from a checkout of its
# repository, which vendors its dependencies:
#   (cd "$CLUSTERPEDIA_SRC" && CGO_ENABLED=0 go build -mod=vendor -o bin/clustersynchro-manager ./cmd/clustersynchro-manager)
#
#   CLUSTERPEDIA_SRC=DIR [CLUSTERPEDIA_BIN=FILE] scripts/bench-clusterpedia.sh [OBJECTS (20000)] [PATCHES (200)] [PER SECOND (20)] [RUNS (2)]
set -euo pipefail
: "${CLUSTERPEDIA_SRC:?set CLUSTERPEDIA_SRC to a Clusterpedia checkout (see the comment at the top)}"
export CLUSTERPEDIA_BIN="${CLUSTERPEDIA_BIN:-$CLUSTERPEDIA_SRC/bin/clustersynchro-manager}"
[[ -x "$CLUSTERPEDIA_BIN" ]] || { echo "no clustersynchro-manager at $CLUSTERPEDIA_BIN (see the comment at the top)" >&2; exit 1; }
exec "$(dirname "$0")/bench-main.sh" io.kubebackend.mirror.ClusterpediaBench "$@"
