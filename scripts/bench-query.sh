#!/usr/bin/env bash
# Query API benchmark: label-selector list from kube-backend (PostgreSQL) vs from kube-apiserver, and a
# cross-cluster aggregation, over N mirrored Pods. Prints p50/p99; asserts nothing.
#
#   scripts/bench-query.sh [PODS (default 50000)] [ROUNDS (default 200)]
#
# Uses the local clusters, PostgreSQL and a cluster of its own (cluster-4), started if needed; it never stops the
# shared servers (KB_KEEP_SERVERS=1), stops cluster-4 only if it started it, and deletes its pods and database.
set -euo pipefail
export KB_KEEP_SERVERS=1
exec "$(dirname "$0")/bench-main.sh" io.kubebackend.query.QueryBench "$@"
