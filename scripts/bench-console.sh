#!/usr/bin/env bash
# Console benchmark: the time from entering a search to its first page of rows, in headless Chromium, over N
# mirrored Pods (PostgreSQL), beside the same query asked of the API alone. Prints p50/max; asserts nothing.
#
#   scripts/bench-console.sh [PODS (default 50000)] [ROUNDS (default 10)]
#
# Uses the local clusters, PostgreSQL and a cluster of its own (cluster-4), started if needed; it never stops the
# shared servers (KB_KEEP_SERVERS=1), stops cluster-4 only if it started it, and deletes its pods.
set -euo pipefail
export KB_KEEP_SERVERS=1
exec "$(dirname "$0")/bench-main.sh" io.kubebackend.api.ConsoleBench "$@"
