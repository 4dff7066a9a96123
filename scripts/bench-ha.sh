#!/usr/bin/env bash
# Several replicas on one PostgreSQL: takeover time after kill -9 (p50/max over K kills), and initial sync of four
# clusters of N ConfigMaps with 1 and with 3 replicas in the same run. Prints numbers; asserts nothing.
#
#   scripts/bench-ha.sh [KILLS (default 10)] [OBJECTS PER CLUSTER (default 20000)]
#
# Uses the local clusters 1-4 and the test PostgreSQL, started if needed (KB_KEEP_SERVERS=1 leaves them running).
set -euo pipefail
exec "$(dirname "$0")/bench-main.sh" io.kubebackend.events.ReplicaBench "$@"
