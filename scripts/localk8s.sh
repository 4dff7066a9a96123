#!/usr/bin/env bash
# Local Kubernetes clusters on loopback, built from Go modules.
#
#   scripts/localk8s.sh build            build (or reuse) etcd, kube-apiserver, kube-controller-manager, kubectl
#   scripts/localk8s.sh kubectl          print the path of the kubectl built from the same Kubernetes version
#   scripts/localk8s.sh start N          start one etcd and N apiserver+controller-manager pairs
#   scripts/localk8s.sh stop             stop everything start started (by PID)
#   scripts/localk8s.sh status           print the clusters and their kubeconfigs
#
# Binaries are cached per version in $KB_CACHE_DIR/bin (default ~/.cache/kube-backend, outside git),
# so a second build, or a fresh clone on the same machine, takes seconds.
# Runtime state (certs, kubeconfigs, logs, pids) lives in $KB_RUN_DIR (default <repo>/.run/localk8s).
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.7.3}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${KB_CACHE_DIR:-$HOME/.cache/kube-backend}"
BIN="$CACHE/bin/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"
RUN="${KB_RUN_DIR:-$REPO/.run}/localk8s"
BASE_PORT="${KB_APISERVER_BASE_PORT:-16443}"
ETCD_PORT="${KB_ETCD_PORT:-12379}"

log() { echo "[localk8s] $*" >&2; }

build() {
  mkdir -p "$BIN"
  if [[ -x "$BIN/kube-apiserver" && -x "$BIN/kube-controller-manager" && -x "$BIN/etcd" && -x "$BIN/kubectl" ]]; then
    log "reusing binaries in $BIN ($(tr '\n' ' ' <"$BIN/build-time" 2>/dev/null || echo "build time not recorded"))"
    return
  fi
  command -v go >/dev/null || { log "go is not installed"; exit 1; }
  local work="$CACHE/build"
  mkdir -p "$work/k8s" "$work/etcd"
  local t0=$SECONDS
  if [[ ! -x "$BIN/etcd" ]]; then
    log "building etcd $ETCD_VERSION"
    ( cd "$work/etcd"
      rm -f go.mod go.sum
      go mod init kubebackend.local/etcdbuild >/dev/null 2>&1
      go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null
      go build -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3
      mv "$BIN/etcd.tmp" "$BIN/etcd" )
    log "etcd built in $((SECONDS - t0))s"
  fi
  local t1=$SECONDS
  log "building kube-apiserver, kube-controller-manager and kubectl $K8S_VERSION (first build on a new machine takes many minutes)"
  ( cd "$work/k8s"
    rm -f go.mod go.sum
    go mod init kubebackend.local/k8sbuild >/dev/null 2>&1
    local gomod staging minor
    gomod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    minor="${K8S_VERSION#v1.}"
    staging="v0.$minor"
    # k8s.io/kubernetes pins its staging modules at v0.0.0; point each at its published release.
    for m in $(awk '/^\t?k8s.io\/[a-z0-9-]+ v0\.0\.0$/ {print $1} /^require k8s.io\/[a-z0-9-]+ v0\.0\.0$/ {print $2}' "$gomod"); do
      go mod edit -replace "$m=$m@$staging"
    done
    go mod edit -require "k8s.io/kubernetes@$K8S_VERSION"
    go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
      "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION" >/dev/null
    local ld="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION"
    ld+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor%%.*}"
    ld+=" -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/component-base/version.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    ld+=" -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
    for cmd in kube-apiserver kube-controller-manager kubectl; do
      [[ -x "$BIN/$cmd" ]] && continue
      go build -trimpath -ldflags "$ld" -o "$BIN/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
      mv "$BIN/$cmd.tmp" "$BIN/$cmd"
    done )
  local summary="Kubernetes build time: $((SECONDS - t1))s (k8s $K8S_VERSION, etcd $ETCD_VERSION, total $((SECONDS - t0))s)"
  # Appended: a later build of a binary that was missing (kubectl) keeps the record of the first, cold one.
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ); $summary" >>"$BIN/build-time"
  log "$summary"
}

# One CA per cluster, a serving cert for 127.0.0.1/localhost, an admin client cert (system:masters)
# and a service-account signing key pair.
make_certs() {
  local d="$1"
  [[ -f "$d/admin.crt" ]] && return
  mkdir -p "$d"
  ( cd "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=kube-backend-local-ca" \
      -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' > apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=admin" -keyout admin.key -out admin.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' > admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile admin.ext -out admin.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext
    chmod 600 ./*.key )
}

# Written to a temporary file and renamed, and only when it changes: running tests read these files.
write_kubeconfig() {
  local d="$1" name="$2" port="$3"
  cat >"$d/kubeconfig.tmp" <<KC
apiVersion: v1
kind: Config
clusters:
- name: $name
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority-data: $(base64 -w0 <"$d/ca.crt")
users:
- name: $name-admin
  user:
    client-certificate-data: $(base64 -w0 <"$d/admin.crt")
    client-key-data: $(base64 -w0 <"$d/admin.key")
contexts:
- name: $name
  context:
    cluster: $name
    user: $name-admin
current-context: $name
KC
  chmod 600 "$d/kubeconfig.tmp"
  if cmp -s "$d/kubeconfig.tmp" "$d/kubeconfig"; then rm -f "$d/kubeconfig.tmp"; else mv "$d/kubeconfig.tmp" "$d/kubeconfig"; fi
}

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_etcd() {
  mkdir -p "$RUN/etcd"
  if alive "$RUN/etcd/pid"; then return; fi
  nohup "$BIN/etcd" --name local --data-dir "$RUN/etcd/data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "local=http://127.0.0.1:$((ETCD_PORT + 1))" \
    --unsafe-no-fsync --quota-backend-bytes=$((4 * 1024 * 1024 * 1024)) --log-level=warn \
    >"$RUN/etcd/etcd.log" 2>&1 </dev/null &
  echo $! >"$RUN/etcd/pid"
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$ETCD_PORT/health" >/dev/null 2>&1 && return
    sleep 0.2
  done
  tail -n 20 "$RUN/etcd/etcd.log" >&2; log "etcd did not become healthy"; exit 1
}

# start_apiserver NAME DIR PORT [extra apiserver flags...]
start_apiserver() {
  local name="$1" d="$2" port="$3"; shift 3
  alive "$d/apiserver.pid" && return
  nohup "$BIN/kube-apiserver" \
    --advertise-address=127.0.0.1 --bind-address=127.0.0.1 --secure-port="$port" \
    --cert-dir="$d" --tls-cert-file="$d/apiserver.crt" --tls-private-key-file="$d/apiserver.key" \
    --client-ca-file="$d/ca.crt" --authorization-mode=RBAC \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" --etcd-prefix="/$name" \
    --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true \
    --service-account-issuer="https://127.0.0.1:$port" \
    --service-account-key-file="$d/sa.pub" --service-account-signing-key-file="$d/sa.key" \
    --endpoint-reconciler-type=none --profiling=false "$@" \
    >"$d/apiserver.log" 2>&1 </dev/null &
  echo $! >"$d/apiserver.pid"
}

wait_ready() {
  local d="$1" port="$2"
  for _ in $(seq 1 300); do
    if curl -sf --cacert "$d/ca.crt" --cert "$d/admin.crt" --key "$d/admin.key" \
         "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; then return; fi
    alive "$d/apiserver.pid" || { tail -n 30 "$d/apiserver.log" >&2; log "apiserver $d exited"; exit 1; }
    sleep 0.2
  done
  tail -n 30 "$d/apiserver.log" >&2; log "apiserver $d not ready after 60s"; exit 1
}

start_controller_manager() {
  local d="$1" port="$2"
  alive "$d/kcm.pid" && return
  nohup "$BIN/kube-controller-manager" \
    --kubeconfig="$d/kubeconfig" --authentication-kubeconfig="$d/kubeconfig" --authorization-kubeconfig="$d/kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$port" --cert-dir="$d/kcm-certs" \
    --service-account-private-key-file="$d/sa.key" --root-ca-file="$d/ca.crt" \
    --cluster-signing-cert-file="$d/ca.crt" --cluster-signing-key-file="$d/ca.key" \
    --leader-elect=false \
    >"$d/controller-manager.log" 2>&1 </dev/null &
  echo $! >"$d/kcm.pid"
  sleep 1
  alive "$d/kcm.pid" || { tail -n 20 "$d/controller-manager.log" >&2; log "controller-manager $d exited"; exit 1; }
}

cluster_dir() { echo "$RUN/cluster-$1"; }

# start N: etcd plus N clusters named cluster-1..cluster-N, apiserver i on BASE_PORT+i-1.
start() {
  local n="${1:-2}"
  build
  mkdir -p "$RUN"
  start_etcd
  local i
  for i in $(seq 1 "$n"); do
    local d; d="$(cluster_dir "$i")"
    make_certs "$d"
    write_kubeconfig "$d" "cluster-$i" "$((BASE_PORT + i - 1))"
    start_apiserver "cluster-$i" "$d" "$((BASE_PORT + i - 1))" ${KB_APISERVER_EXTRA_FLAGS:-}
  done
  for i in $(seq 1 "$n"); do
    local d; d="$(cluster_dir "$i")"
    wait_ready "$d" "$((BASE_PORT + i - 1))"
    start_controller_manager "$d" "$((BASE_PORT + 1000 + i - 1))"
    echo "$d/kubeconfig"
  done
  log "$n cluster(s) ready"
}

# restart-apiserver I [extra flags...]: stop and start one apiserver (e.g. with a tiny watch cache).
restart-apiserver() {
  local i="$1"; shift
  local d; d="$(cluster_dir "$i")"
  stop_pid "$d/apiserver.pid"
  start_apiserver "cluster-$i" "$d" "$((BASE_PORT + i - 1))" "$@"
  wait_ready "$d" "$((BASE_PORT + i - 1))"
}

stop_pid() {
  local f="$1"
  [[ -f "$f" ]] || return 0
  local pid; pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

stop() {
  local d
  for d in "$RUN"/cluster-*; do
    [[ -d "$d" ]] || continue
    stop_pid "$d/kcm.pid"
    stop_pid "$d/apiserver.pid"
  done
  stop_pid "$RUN/etcd/pid"
  log "stopped"
}

# Removes all state (etcd data, certs): the next start is a fresh set of clusters.
clean() { stop; rm -rf "$RUN"; }

status() {
  local d
  for d in "$RUN"/cluster-*; do
    [[ -d "$d" ]] || continue
    local state=stopped
    alive "$d/apiserver.pid" && state=running
    echo "$(basename "$d") $state $d/kubeconfig"
  done
}

version() { echo "kubernetes $K8S_VERSION etcd $ETCD_VERSION"; }

kubectl() { build; echo "$BIN/kubectl"; }

"$@"
