#!/usr/bin/env bash
# The end-to-end suite: the whole product in a real Kubernetes cluster, the way a user meets it.
#
#   bash e2e/run.sh
#
# Creates a kind cluster (e2e/kind-config.yaml: one control plane, two workers, kindnet
# enforcing NetworkPolicy), builds the images with scripts/images.sh and loads them, runs the
# README's Kubernetes commands as written (helm install, kubectl apply of a pool, wait, call it
# from a pod and through a port-forward), applies every examples/pools/*.yaml and checks what
# docs/e2e.md lists: the example programs from a client pod (e2e/pool_client.py), who may call
# which pool, no egress from runners, scale, PerNode placement, a limits edit rolling the
# runners, a traced pool's spans reaching its collector, sidecar injection, deleting pools,
# and the install guide's upgrade and uninstall.
# On a failure it writes diagnostics (events, describe, logs, pool status) to $E2E_ARTIFACTS
# and prints a summary. The cluster is deleted at the end, whatever happened, unless E2E_KEEP=1.
#
# Needs: Docker, kind >= 0.24, kubectl >= 1.29, helm >= 3.14, and what scripts/images.sh needs
# (cargo; it builds CPython for WASI and the workspace when they are missing).
#
# Environment (defaults in brackets):
#   E2E_CLUSTER    kind cluster name [python-sandbox-e2e]
#   E2E_KEEP       1: keep the cluster at the end (its kubeconfig is in $E2E_ARTIFACTS) [0]
#   E2E_REUSE      1: use the existing cluster E2E_CLUSTER instead of creating one [0]
#   E2E_SKIP_BUILD 1: do not run scripts/images.sh, load the images already in Docker [0]
#   E2E_TIMEOUT    seconds to wait for each pool, rollout or deletion [300]
#   E2E_ARTIFACTS  where the kubeconfig and failure diagnostics go [e2e/artifacts]
#   E2E_EXTERNAL   an address outside the cluster runners must not reach [1.1.1.1:443]
#   E2E_NODE_IMAGE a kindest/node image (a Kubernetes version) instead of kind's default
set -Eeuo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CLUSTER="${E2E_CLUSTER:-python-sandbox-e2e}"
TIMEOUT="${E2E_TIMEOUT:-300}"
ARTIFACTS="$(mkdir -p "${E2E_ARTIFACTS:-e2e/artifacts}" && cd "${E2E_ARTIFACTS:-e2e/artifacts}" && pwd)"
EXTERNAL="${E2E_EXTERNAL:-1.1.1.1:443}"
# The suite's own cluster credentials: the user's ~/.kube/config is never touched.
export KUBECONFIG="$ARTIFACTS/kubeconfig"

# Minimum versions: NetworkPolicy in kindnet (kind 0.24); native sidecars and CEL (Kubernetes
# 1.29); `kubectl debug --profile` (kubectl 1.27) and `kubectl wait --for=jsonpath` (1.23);
# `helm upgrade --reset-then-reuse-values` (Helm 3.14).
MIN_KIND=0.24.0 MIN_KUBECTL=1.29.0 MIN_HELM=3.14.0
# The pools' namespace (the README's commands run in it as the current namespace), and a
# namespace no pool admits.
NS=sandbox-e2e OUTSIDER_NS=e2e-outsider
# The example programs e2e/pool_client.py sends, shipped to the client pods with it.
EXAMPLES=(hello.sh fib.sh list_files.sh fail_case.sh timeout.sh)
# The locked-down pool's data: a line of examples/pools/locked-down.yaml's ConfigMap.
LOCKED_DOWN_DATA="/data/reference/countries.csv=JP,Japan,Tokyo"

STEP="start"
log() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'FAIL: %s\n' "$*" >&2; return 1; }
# step NAME FUNCTION: runs one phase; a failure report names the phase it failed in.
step() {
    STEP="$1"
    log "$STEP"
    "$2"
}

# wait_until SECONDS WHAT CMD...: runs CMD every 2 s until it succeeds; fails naming WHAT.
wait_until() {
    local seconds="$1" what="$2" deadline
    shift 2
    deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || fail "$what: not within ${seconds}s"
        sleep 2
    done
}

# is OBJECT JSONPATH VALUE / is_not ...: OBJECT's field (kubectl get -o jsonpath) equals VALUE
# or not; for wait_until, which runs its command again each time.
is() { [ "$(kubectl get "$1" -o jsonpath="{$2}")" = "$3" ]; }
is_not() { ! is "$@"; }
# none CMD...: CMD prints nothing.
none() { [ -z "$("$@")" ]; }

# at_least HAVE WANT: version HAVE (v1.2.3 or 1.2.3) is WANT or newer.
at_least() {
    local have="${1#v}"
    [ "$(printf '%s\n%s\n' "$2" "$have" | sort -V | head -n 1)" = "$2" ]
}

check_tools() {
    local tool kind_v kubectl_v helm_v
    for tool in docker kind kubectl helm; do
        command -v "$tool" >/dev/null || fail "$tool is not installed (docs/e2e.md lists the prerequisites)"
    done
    docker info >/dev/null 2>&1 || fail "the Docker engine does not answer (docker info)"
    kind_v="$(kind version | grep -o 'v[0-9][0-9.]*' | head -n 1)"
    kubectl_v="$(kubectl version --client | grep -o 'v[0-9][0-9.]*' | head -n 1)"
    helm_v="$(helm version --template '{{.Version}}')"
    at_least "$kind_v" "$MIN_KIND" || fail "kind $kind_v: $MIN_KIND or newer enforces NetworkPolicy"
    at_least "$kubectl_v" "$MIN_KUBECTL" || fail "kubectl $kubectl_v: $MIN_KUBECTL or newer needed"
    at_least "$helm_v" "$MIN_HELM" || fail "helm $helm_v: $MIN_HELM or newer needed"
    log "kind $kind_v, kubectl $kubectl_v, helm $helm_v"
    # The README's port-forward listens on localhost:3000.
    if (exec 3<>/dev/tcp/127.0.0.1/3000) 2>/dev/null; then
        fail "localhost:3000 is in use (a local runner-node?); the README's port-forward needs it"
    fi
}

create_cluster() {
    local args=(--name "$CLUSTER" --config e2e/kind-config.yaml --kubeconfig "$KUBECONFIG" --wait 3m)
    [ -z "${E2E_NODE_IMAGE:-}" ] || args+=(--image "$E2E_NODE_IMAGE")
    if [ "${E2E_REUSE:-0}" = 1 ]; then
        kind export kubeconfig --name "$CLUSTER" --kubeconfig "$KUBECONFIG"
    else
        kind get clusters 2>/dev/null | grep -qx "$CLUSTER" &&
            fail "a kind cluster $CLUSTER exists: delete it (kind delete cluster --name $CLUSTER) or set E2E_REUSE=1"
        CREATED=1
        kind create cluster "${args[@]}"
    fi
    kubectl get nodes -o wide
}

# load_images: builds the images (unless E2E_SKIP_BUILD=1) and loads them into every node.
load_images() {
    local version refs=() name ref _size
    if [ "${E2E_SKIP_BUILD:-0}" = 1 ]; then
        version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
        refs=("ghcr.io/python-sandbox/runner-node:$version" "ghcr.io/python-sandbox/runner-node:$version-scientific"
            "ghcr.io/python-sandbox/runner-operator:$version")
    else
        while read -r name ref _size; do
            log "built $name: $ref"
            refs+=("$ref")
        done < <(bash scripts/images.sh --runtime all)
    fi
    [ "${#refs[@]}" -eq 3 ] || fail "scripts/images.sh printed ${#refs[@]} images, want 3"
    kind load docker-image --name "$CLUSTER" "${refs[@]}"
}

# The README's "On Kubernetes" commands, as written there (e2e/test_docs_commands.py checks
# that every kubectl and helm command of README.md and docs/*.md appears in this file).
readme_install() {
    helm install python-sandbox charts/python-sandbox -n python-sandbox --create-namespace
    kubectl -n python-sandbox rollout status deployment/python-sandbox --timeout="${TIMEOUT}s"
    helm test python-sandbox -n python-sandbox   # the operator answers (docs/install.md)
    kubectl apply -f e2e/manifests/namespaces.yaml
    # The README's commands use the current namespace.
    kubectl config set-context --current --namespace="$NS"
    kubectl apply -f examples/pools/minimal.yaml
    kubectl wait --for=condition=Ready pypool/minimal --timeout=5m
    kubectl get pypool minimal   # READY, AVAILABLE, REPLICAS and the in-cluster URL
}

readme_call() {
    local answer attempt
    # Up to 3 attempts: kindnet may not know a brand-new pod's address for its first moments
    # and drop its packets as those of an unknown caller (kube-network-policies#171).
    for attempt in 1 2 3; do
        kubectl delete pod caller --ignore-not-found --wait
        answer="$(kubectl run caller --rm -i --restart=Never --image=curlimages/curl -- \
          curl -s http://minimal:3000/run -H 'Content-Type: application/json' -d '{"code": "print(6 * 7)"}')" || true
        grep -qF '"stdout":"42\n"' <<<"$answer" && break
        [ "$attempt" -lt 3 ] || fail "kubectl run caller answered: $answer"
        log "attempt $attempt of kubectl run caller answered: $answer"
    done
    log "kubectl run caller: 42"
    # Gone before the Pod Security check (the caller runs as the image's root user).
    wait_until "$TIMEOUT" "pod/caller to go" none kubectl get pod caller --ignore-not-found -o name
    kubectl port-forward svc/minimal 3000:3000 &
    FORWARD=$!
    wait_until 60 "kubectl port-forward svc/minimal 3000:3000" curl -sf localhost:3000/health
    answer="$(curl -s localhost:3000/run -H 'Content-Type: application/json' -d '{"code": "print(6 * 7)"}')"
    stop_forward
    grep -qF '"stdout":"42\n"' <<<"$answer" || fail "curl through the port-forward answered: $answer"
    log "curl through kubectl port-forward: 42"
}

# fill_packages: the claim team-packages that examples/pools/packages.yaml mounts, holding the
# pure-Python packages of examples/packages/requirements.txt (made here with pip, as the
# README shows, then copied in through a short-lived pod).
fill_packages() {
    local dir
    dir="$(bash -c 'source scripts/lib.sh && ensure_pytools >&2 && ensure_test_packages >&2 &&
        echo "$RUNNER_TEST_PACKAGES"')"
    kubectl apply -f e2e/manifests/packages.yaml
    kubectl -n "$NS" wait --for=condition=Ready pod/packages-loader --timeout="${TIMEOUT}s"
    kubectl -n "$NS" exec packages-loader -- mkdir -p /packages/site-packages
    kubectl cp "$dir/." "$NS/packages-loader:/packages/site-packages"
    kubectl -n "$NS" exec packages-loader -- ls /packages/site-packages
    kubectl -n "$NS" delete pod packages-loader --wait
}

# apply_pools: every example pool (the sidecar pod comes later, in check_sidecar).
apply_pools() {
    local file pool
    for file in examples/pools/*.yaml; do
        [ "$file" = examples/pools/sidecar.yaml ] || kubectl apply -f "$file"
    done
    for pool in $(kubectl get pypool -o jsonpath='{.items[*].metadata.name}'); do
        kubectl wait --for=condition=Ready "pypool/$pool" --timeout="${TIMEOUT}s"
    done
    kubectl get pypool -o wide
}

start_clients() {
    local namespace files=(--from-file=e2e/pool_client.py)
    for file in "${EXAMPLES[@]}"; do files+=("--from-file=examples/$file"); done
    for namespace in "$NS" "$OUTSIDER_NS"; do
        kubectl -n "$namespace" create configmap e2e-client "${files[@]}" --dry-run=client -o yaml |
            kubectl apply -f -
    done
    kubectl apply -f e2e/manifests/clients.yaml
    kubectl -n "$NS" wait --for=condition=Ready pod/client pod/stranger --timeout="${TIMEOUT}s"
    kubectl -n "$OUTSIDER_NS" wait --for=condition=Ready pod/outsider --timeout="${TIMEOUT}s"
}

# client NAMESPACE/POD ARGS...: runs e2e/pool_client.py ARGS in that caller pod.
client() {
    local pod="$1"
    shift
    kubectl -n "${pod%/*}" exec "${pod#*/}" -- python3 /e2e/pool_client.py "$@"
}

check_calls() {
    # Reachable first (with retries), then every case once.
    client "$NS/client" probe open minimal:3000 per-node:3000 locked-down:3000
    client "$NS/client" cases http://minimal:3000
    client "$NS/client" cases http://per-node:3000
    client "$NS/client" cases http://locked-down:3000 --data "$LOCKED_DOWN_DATA"
    client "$NS/client" limit http://locked-down:3000 \
        --max-timeout-ms "$(kubectl get pypool locked-down -o jsonpath='{.spec.limits.maxTimeoutMs}')"
    client "$NS/client" packages http://with-packages:3000 \
        --preimported "$(kubectl get pypool with-packages -o jsonpath='{.spec.packages.preimport[*]}')"
    client "$NS/client" scientific http://scientific:3000
}

# examples/pools/notebooks.yaml: a session made through the Service is kept by one runner pod,
# its url names that pod's IP, and its runs see what earlier ones defined.
check_sessions() {
    local ips
    ips="$(kubectl get pods -l app.kubernetes.io/instance=notebooks -o jsonpath='{.items[*].status.podIP}')"
    [ -n "$ips" ] || fail "no runner pod of notebooks has an IP"
    client "$NS/client" sessions http://notebooks:3000 --hosts "$ips"
}

# status_as TOKEN: the HTTP status of a run on with-tenants from the client pod, with that
# bearer token (none when empty).
status_as() {
    kubectl -n "$NS" exec client -- python3 -c '
import sys, urllib.error, urllib.request
headers = {"content-type": "application/json"}
if sys.argv[1]:
    headers["authorization"] = "Bearer " + sys.argv[1]
request = urllib.request.Request("http://with-tenants:3000/run", data=b"{\"code\": \"print(1)\"}", headers=headers)
try:
    print(urllib.request.urlopen(request, timeout=30).status)
except urllib.error.HTTPError as error:
    print(error.code)
' "$1"
}

# examples/pools/tenants.yaml: the pool reads its tenants file from the Secret; each tenant's
# token runs and is logged with its tenant, no token or another one is refused, and a Secret
# edit rotates a token without a restart.
check_tenants() {
    local token status
    client "$NS/client" probe open with-tenants:3000
    for token in example-team-a-token-0002 example-batch-token-00001; do
        status="$(status_as "$token")"
        [ "$status" = 200 ] || fail "a run with a known token answered $status"
    done
    for token in "" example-team-z-token-0001; do
        status="$(status_as "$token")"
        [ "$status" = 401 ] || fail "a run with token '$token' answered $status, want 401"
    done
    kubectl logs deployment/with-tenants | grep -q '"tenant":"batch-jobs"' ||
        fail "no run of with-tenants is logged with the tenant batch-jobs"
    # Rotation: team-a keeps only its second token; the kubelet updates the mounted Secret
    # within a minute or so, and the runner re-reads it.
    kubectl patch secret tenants-tokens --type merge -p '{"stringData": {"tenants.yaml": "tenants:\n  team-a:\n    tokens: [example-team-a-token-0002]\n"}}'
    wait_until "$TIMEOUT" "the rotated-out token to be refused" is_status 401 example-team-a-token-0001
    status="$(status_as example-team-a-token-0002)"
    [ "$status" = 200 ] || fail "the kept token answered $status after the rotation"
    log "tenants: known tokens run, others are 401, a Secret edit rotates without a restart"
}
is_status() { [ "$(status_as "$2")" = "$1" ]; }

# Who may call which pool: the NetworkPolicies the operator writes, enforced by the CNI.
check_callers() {
    local svc=".$NS.svc:3000"
    # Same namespace, not app=agent: minimal admits it, locked-down does not.
    client "$NS/stranger" probe open "minimal$svc" "per-node$svc"
    client "$NS/stranger" probe closed "locked-down$svc"
    # Another namespace: only per-node (every namespace) admits it.
    client "$OUTSIDER_NS/outsider" probe open "per-node$svc"
    client "$OUTSIDER_NS/outsider" probe closed "minimal$svc" "locked-down$svc" "autoscaled$svc"
    # The autoscaled pool admits namespaces labelled sandbox.runner.dev/callers=true, and so
    # not its own, until the outsider's namespace gets the label.
    client "$NS/client" probe closed "autoscaled$svc"
    kubectl label namespace "$OUTSIDER_NS" sandbox.runner.dev/callers=true
    client "$OUTSIDER_NS/outsider" probe open "autoscaled$svc"
    client "$OUTSIDER_NS/outsider" cases "http://autoscaled$svc"
    client "$OUTSIDER_NS/outsider" probe closed "minimal$svc"
}

# The pods the operator made meet Pod Security "restricted": a server-side dry run of
# enforcing it on the namespace lists every pod that would violate it.
check_pod_security() {
    local warnings
    warnings="$(kubectl label --dry-run=server --overwrite namespace "$NS" \
        pod-security.kubernetes.io/enforce=restricted 2>&1)"
    if grep -q violate <<<"$warnings"; then
        fail "pods in $NS violate Pod Security restricted: $warnings"
    fi
    log "every pod in $NS meets Pod Security restricted"
}

# egress_probe NAMESPACE POD STATE ADDRESS...: pool_client.py probe STATE from inside POD's
# network namespace, in an ephemeral container (runner images have no shell or client).
EPHEMERAL=0
egress_probe() {
    local namespace="$1" pod="$2" state="$3" name code field
    shift 3
    EPHEMERAL=$((EPHEMERAL + 1))
    name="egress-$EPHEMERAL"
    kubectl -n "$namespace" debug "pod/$pod" --image=python:3.13-alpine --container="$name" \
        --profile=restricted -- python3 -c "$(cat e2e/pool_client.py)" probe "$state" --attempts 2 "$@" >/dev/null
    field=".status.ephemeralContainerStatuses[?(@.name==\"$name\")].state.terminated.exitCode"
    wait_until "$TIMEOUT" "ephemeral container $name in $pod to finish" \
        is_not "pod/$pod" "$field" ""
    code="$(kubectl -n "$namespace" get pod "$pod" -o jsonpath="{$field}")"
    kubectl -n "$namespace" logs "$pod" -c "$name"
    [ "$code" = 0 ] || fail "egress from $pod: want $state for $*"
}

# A runner pod reaches nothing: not the API server, not DNS, not another pod, not the outside.
# Each address is first shown reachable from a caller pod (no egress policy), so "closed"
# means the runner's NetworkPolicy and not a dead address.
check_egress() {
    local api dns peer targets pool pod
    api="$(kubectl -n default get service kubernetes -o jsonpath='{.spec.clusterIP}'):443"
    dns="$(kubectl -n kube-system get service kube-dns -o jsonpath='{.spec.clusterIP}'):53"
    peer="$(kubectl -n "$NS" get pod stranger -o jsonpath='{.status.podIP}'):8080"
    targets=("$api" "$dns" "$peer")
    client "$NS/client" probe open "${targets[@]}"
    if client "$NS/client" probe open --attempts 2 "$EXTERNAL"; then
        targets+=("$EXTERNAL")
    else
        log "$EXTERNAL is not reachable from the cluster at all: the outside is not checked"
    fi
    for pool in minimal per-node; do
        pod="$(kubectl -n "$NS" get pods -l "app.kubernetes.io/instance=$pool" -o jsonpath='{.items[0].metadata.name}')"
        egress_probe "$NS" "$pod" closed "${targets[@]}"
    done
}

# pool_columns POOL: "READY AVAILABLE REPLICAS" as `kubectl get pypool` prints them.
pool_columns() { kubectl get pypool "$1" --no-headers | awk '{print $2, $3, $4}'; }

check_scale() {
    kubectl scale pypool minimal --replicas=3
    wait_until "$TIMEOUT" "deployment/minimal to want 3 replicas" is deployment/minimal .spec.replicas 3
    kubectl wait --for=jsonpath='{.status.readyReplicas}'=3 pypool/minimal --timeout="${TIMEOUT}s"
    kubectl wait --for=condition=Ready pypool/minimal --timeout="${TIMEOUT}s"
    kubectl get pypool minimal
    [ "$(pool_columns minimal)" = "True 3 3" ] || fail "kubectl get pypool minimal shows $(pool_columns minimal), want READY True AVAILABLE 3 REPLICAS 3"
    kubectl get poddisruptionbudget minimal >/dev/null || fail "3 replicas but no PodDisruptionBudget"
    kubectl scale pypool minimal --replicas=1
    wait_until "$TIMEOUT" "deployment/minimal back to 1 replica" is deployment/minimal .spec.replicas 1
    wait_until "$TIMEOUT" "the PodDisruptionBudget of a 1-replica pool to go" \
        none kubectl get poddisruptionbudget -o name --field-selector metadata.name=minimal
    kubectl wait --for=jsonpath='{.status.readyReplicas}'=1 pypool/minimal --timeout="${TIMEOUT}s"
    kubectl wait --for=condition=Ready pypool/minimal --timeout="${TIMEOUT}s"
    [ "$(pool_columns minimal)" = "True 1 1" ] || fail "kubectl get pypool minimal shows $(pool_columns minimal), want True 1 1"
    # Autoscaled: the HPA owns the count; without a metrics server it holds minReplicas (2),
    # and the operator's applies must not take the field back.
    kubectl get horizontalpodautoscaler autoscaled >/dev/null || fail "the autoscaled pool has no HPA"
    wait_until "$TIMEOUT" "deployment/autoscaled at the HPA's minimum, 2" is deployment/autoscaled .spec.replicas 2
}

check_per_node() {
    local workers runners
    # Nodes without a taint the pool does not tolerate: here, every node but the control plane.
    workers="$(kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.spec.taints[*].key}{"\n"}{end}' |
        awk '$2 !~ /control-plane/ {print $1}' | sort)"
    runners="$(kubectl get pods -l app.kubernetes.io/instance=per-node \
        -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort)"
    [ "$(wc -l <<<"$workers")" -ge 2 ] || fail "want 2 or more worker nodes, have: $workers"
    [ "$runners" = "$workers" ] || fail "per-node runners on [$runners], want one on each of [$workers]"
    [ "$(kubectl get daemonset per-node -o jsonpath='{.status.numberReady}')" = "$(wc -l <<<"$workers")" ] ||
        fail "not every per-node runner is ready"
    [ "$(kubectl get service per-node -o jsonpath='{.spec.internalTrafficPolicy}')" = Local ] ||
        fail "the per-node Service does not keep callers on their node"
    log "per-node: one runner on each of $(tr '\n' ' ' <<<"$workers")"
}

# pod_uids POOL: the uids of the pool's pods, sorted.
pod_uids() {
    kubectl get pods -l "app.kubernetes.io/instance=$1" -o jsonpath='{range .items[*]}{.metadata.uid}{"\n"}{end}' | sort
}

# old_pods: the uids of minimal's pods that were there before the edit (BEFORE).
old_pods() { comm -12 <(pod_uids minimal) <(echo "$BEFORE"); }

check_limits_edit() {
    local field=".spec.template.metadata.annotations.sandbox\.runner\.dev/policy-hash" hash
    hash="$(kubectl get deployment minimal -o jsonpath="{$field}")"
    BEFORE="$(pod_uids minimal)"
    client "$NS/client" limit http://minimal:3000 --max-timeout-ms 60000
    kubectl patch pypool minimal --type=merge -p '{"spec": {"limits": {"timeoutMs": 2000, "maxTimeoutMs": 3000}}}'
    wait_until "$TIMEOUT" "a new policy hash on deployment/minimal" is_not deployment/minimal "$field" "$hash"
    kubectl rollout status deployment/minimal --timeout="${TIMEOUT}s"
    kubectl wait --for=condition=Ready pypool/minimal --timeout="${TIMEOUT}s"
    wait_until "$TIMEOUT" "the old runner pods of minimal to go" none old_pods
    [ -n "$(pod_uids minimal)" ] || fail "no runner pods after the rollout"
    client "$NS/client" limit http://minimal:3000 --max-timeout-ms 3000
}

# operator_metric NAME: the sum of the operator's series of metric NAME, read from its admin
# port through a port-forward (its NetworkPolicy admits only monitoring).
operator_metric() {
    local forward value
    kubectl -n python-sandbox port-forward deployment/python-sandbox 18080:8080 >/dev/null &
    forward=$!
    wait_until 60 "the operator's admin port" curl -sf localhost:18080/health
    value="$(curl -sf localhost:18080/metrics | awk -v name="$1" '$1 == name || index($1, name "{") == 1 {s += $2} END {print s + 0}')"
    kill "$forward" 2>/dev/null || true
    wait "$forward" 2>/dev/null || true
    echo "$value"
}

# more_than NAME COUNT: the operator's metric NAME is above COUNT.
more_than() { [ "$(operator_metric "$1")" -gt "$2" ]; }

# The operator compares children with its watch cache: a reconcile of a pool that changed
# nothing applies nothing (no quantity the API server rewrote, no defaulted field counts as
# drift), and a field of a child edited behind its back is put back.
check_drift() {
    local applies reconciles image field='.spec.template.spec.containers[0].image'
    applies="$(operator_metric runner_operator_child_applies_total)"
    reconciles="$(operator_metric runner_operator_reconciles_total)"
    kubectl annotate pypool minimal e2e.sandbox.runner.dev/poke="$(date +%s)" --overwrite
    wait_until 60 "a reconcile after the annotation" more_than runner_operator_reconciles_total "$reconciles"
    [ "$(operator_metric runner_operator_child_applies_total)" = "$applies" ] ||
        fail "the operator applied children although no pool changed ($applies applies before)"
    image="$(kubectl get deployment minimal -o jsonpath="{$field}")"
    kubectl set image deployment/minimal runner-node=registry.invalid/not-the-runner:1
    wait_until "$TIMEOUT" "the operator to put the runner image back" is deployment/minimal "$field" "$image"
    kubectl rollout status deployment/minimal --timeout="${TIMEOUT}s"
    kubectl wait --for=condition=Ready pypool/minimal --timeout="${TIMEOUT}s"
}

# sink_saw HEX: the stand-in collector printed an export holding the bytes HEX.
sink_saw() { kubectl -n monitoring logs otel-collector | grep -q "^export .*$1"; }

# hex TEXT: TEXT's bytes as lowercase hex, as the sink prints them.
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }

# The traced pool's runs reach its collector through its NetworkPolicy, which opens the
# collector's port (at the monitoring namespace) and DNS, and nothing else.
check_tracing() {
    local trace pod api peer
    kubectl create namespace monitoring --dry-run=client -o yaml | kubectl apply -f -
    kubectl -n monitoring create configmap otlp-sink --from-file=e2e/otlp_sink.py \
        --dry-run=client -o yaml | kubectl apply -f -
    kubectl apply -f e2e/manifests/otlp-sink.yaml
    kubectl -n monitoring wait --for=condition=Ready pod/otel-collector --timeout="${TIMEOUT}s"
    trace="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    client "$NS/client" trace http://traced:3000 "$trace"
    # The batch processor exports every 5 s.
    wait_until "$TIMEOUT" "the spans of trace $trace at the collector" sink_saw "$trace"
    sink_saw "$(hex traced)" || fail "the spans do not name their pool (sandbox.pool.name=traced)"
    log "the run's spans reached the collector, naming the pool"
    pod="$(kubectl -n "$NS" get pods -l app.kubernetes.io/instance=traced -o jsonpath='{.items[0].metadata.name}')"
    api="$(kubectl -n default get service kubernetes -o jsonpath='{.spec.clusterIP}'):443"
    peer="$(kubectl -n "$NS" get pod stranger -o jsonpath='{.status.podIP}'):8080"
    egress_probe "$NS" "$pod" open otel-collector.monitoring:4318
    egress_probe "$NS" "$pod" closed "$api" "$peer"
}

check_sidecar() {
    local init url answer
    [ -n "$(kubectl get mutatingwebhookconfigurations -o name)" ] ||
        fail "the chart installed no MutatingWebhookConfiguration: no sidecar can be injected"
    kubectl apply -f examples/pools/sidecar.yaml
    kubectl wait --for=condition=Ready pod/agent --timeout="${TIMEOUT}s"
    [ "$(kubectl get pod agent -o jsonpath='{.metadata.annotations.sandbox\.runner\.dev/injected}')" = minimal ] ||
        fail "pod/agent has no sandbox.runner.dev/injected=minimal annotation"
    init="$(kubectl get pod agent -o jsonpath='{.spec.initContainers[?(@.name=="sandbox-runner")].restartPolicy}')"
    [ "$init" = Always ] || fail "pod/agent has no native sidecar sandbox-runner (restartPolicy Always)"
    url="$(kubectl exec agent -c app -- printenv SANDBOX_RUNNER_URL)"
    log "sidecar injected; the app sees SANDBOX_RUNNER_URL=$url"
    # The app calls its own runner on localhost (the sidecar has no probes: retry at first).
    wait_until 120 "the sidecar at $url" kubectl exec agent -c app -- curl -sf "$url/ready"
    answer="$(kubectl exec agent -c app -- curl -s "$url/run" -H 'Content-Type: application/json' -d '{"code": "print(6 * 7)"}')"
    grep -qF '"stdout":"42\n"' <<<"$answer" || fail "the sidecar answered: $answer"
    # And the example's own program got its answer (it prints it to its log).
    wait_until 120 "the answer in pod/agent's log" sh -c "kubectl logs agent -c app | grep -qF '\"stdout\":\"42\\n\"'"
    # Pods without the label are untouched; a label naming no pool is refused, by name.
    [ -z "$(kubectl get pod client -o jsonpath='{.spec.initContainers}')" ] || fail "pod/client was injected"
    if answer="$(kubectl run no-pool --image=python:3.13-alpine --restart=Never \
        --labels=sandbox.runner.dev/pool=no-such-pool -- true 2>&1)"; then
        fail "a pod naming the pool no-such-pool was created: $answer"
    fi
    grep -q no-such-pool <<<"$answer" || fail "the refusal does not name the pool: $answer"
    kubectl delete pod agent --wait --timeout="${TIMEOUT}s"
}

# children POOL UID: every object in the namespace the pool owns or labels as its own.
children() {
    kubectl get configmap,service,deployment,daemonset,replicaset,pod,networkpolicy,poddisruptionbudget,horizontalpodautoscaler \
        -o jsonpath='{range .items[*]}{.kind}/{.metadata.name} {.metadata.ownerReferences[*].uid} {.metadata.labels.app\.kubernetes\.io/instance}{"\n"}{end}' |
        awk -v uid="$2" -v pool="$1" '$2 == uid || $NF == pool {print $1}'
}

check_delete() {
    local pool uid
    for pool in $(kubectl get pypool -o jsonpath='{.items[*].metadata.name}'); do
        uid="$(kubectl get pypool "$pool" -o jsonpath='{.metadata.uid}')"
        [ -n "$(children "$pool" "$uid")" ] || fail "pool $pool has no children to delete"
        kubectl delete pypool "$pool" --wait --timeout="${TIMEOUT}s"
        wait_until "$TIMEOUT" "every child of pool $pool to go" none children "$pool" "$uid"
        log "pool $pool deleted with every child"
    done
}

# docs/install.md, as written there: uninstall (the CRD stays), then install, a default pool,
# upgrade and uninstall again.
install_guide() {
    helm uninstall python-sandbox -n python-sandbox
    kubectl get crd pythonsandboxpools.sandbox.runner.dev >/dev/null || fail "helm uninstall removed the CRD"
    kubectl delete crd pythonsandboxpools.sandbox.runner.dev
    helm install python-sandbox charts/python-sandbox --namespace python-sandbox --create-namespace
    timeout "$TIMEOUT" kubectl -n python-sandbox rollout status deployment/python-sandbox
    helm uninstall python-sandbox -n python-sandbox
    kubectl delete crd pythonsandboxpools.sandbox.runner.dev
    kubectl create namespace my-apps
    helm install python-sandbox charts/python-sandbox -n python-sandbox --create-namespace
    # The upgrade renders a PythonSandboxPool: its CRD, just installed, must be served.
    kubectl wait --for=condition=Established crd/pythonsandboxpools.sandbox.runner.dev
    helm upgrade python-sandbox charts/python-sandbox -n python-sandbox \
      --set defaultPool.enabled=true --set defaultPool.namespace=my-apps \
      --set-json 'defaultPool.spec={"replicas": 2}'
    kubectl -n my-apps wait --for=condition=Ready pypool/default --timeout="${TIMEOUT}s"
    [ "$(kubectl -n my-apps get deployment default -o jsonpath='{.status.readyReplicas}')" = 2 ] ||
        fail "the default pool does not have 2 ready runners"
    # With the default pool, the test also runs print(6 * 7) on it.
    helm test python-sandbox -n python-sandbox
    helm upgrade python-sandbox charts/python-sandbox -n python-sandbox --reset-then-reuse-values
    kubectl -n my-apps wait --for=condition=Ready pypool/default --timeout="${TIMEOUT}s"
    helm uninstall python-sandbox -n python-sandbox
    kubectl delete crd pythonsandboxpools.sandbox.runner.dev
    wait_until "$TIMEOUT" "the default pool's runners to go with the CRD" \
        none kubectl -n my-apps get deployment -o name
    # docs/operator.md: the generated CRD, applied by hand, is served and documented.
    kubectl apply -f crds/pythonsandboxpool.yaml
    kubectl wait --for=condition=Established crd/pythonsandboxpools.sandbox.runner.dev
    kubectl explain pypool.spec.limits | grep -q maxTimeoutMs || fail "kubectl explain shows no pypool.spec.limits fields"
}

# packaged_chart: the archive the release workflow pushes (`helm package`, as
# .github/workflows/release.yml runs it), installed with a default pool in one step (the CRD
# is already served: install_guide applied it by hand), checked by `helm test`, uninstalled.
packaged_chart() {
    local version archive
    version="$(sed -n 's/^version: //p' charts/python-sandbox/Chart.yaml)"
    helm package charts/python-sandbox --destination "$ARTIFACTS"
    archive="$ARTIFACTS/python-sandbox-$version.tgz"
    helm install python-sandbox "$archive" -n python-sandbox --create-namespace \
        --set crds.enabled=false --set defaultPool.enabled=true --set defaultPool.namespace=my-apps \
        --wait --timeout "${TIMEOUT}s"
    kubectl -n my-apps wait --for=condition=Ready pypool/default --timeout="${TIMEOUT}s"
    helm test python-sandbox -n python-sandbox --logs
    helm uninstall python-sandbox -n python-sandbox --wait
    kubectl -n my-apps delete pypool default --ignore-not-found --wait
}

# diagnostics: everything needed to see why a step failed, in $ARTIFACTS/diagnostics, and a
# summary on stderr.
diagnostics() {
    local out="$ARTIFACTS/diagnostics" ns pod
    rm -rf "$out" && mkdir -p "$out"
    log "diagnostics in $out"
    kubectl get nodes -o wide >"$out/nodes.txt" 2>&1 || return 0
    kubectl get all,pypool,configmap,networkpolicy,poddisruptionbudget,horizontalpodautoscaler,mutatingwebhookconfiguration \
        -A -o wide >"$out/objects.txt" 2>&1 || true
    kubectl get pypool -A -o yaml >"$out/pools.yaml" 2>&1 || true
    kubectl describe pypool -A >"$out/pools-describe.txt" 2>&1 || true
    kubectl get events -A --sort-by=.lastTimestamp >"$out/events.txt" 2>&1 || true
    for ns in python-sandbox "$NS" "$OUTSIDER_NS" my-apps; do
        kubectl -n "$ns" describe pods >"$out/pods-describe-$ns.txt" 2>&1 || true
        for pod in $(kubectl -n "$ns" get pods -o name 2>/dev/null); do
            kubectl -n "$ns" logs "$pod" --all-containers --prefix >"$out/logs-$ns-${pod#pod/}.txt" 2>&1 || true
            kubectl -n "$ns" logs "$pod" --all-containers --prefix --previous \
                >>"$out/logs-$ns-${pod#pod/}.txt" 2>/dev/null || true
        done
    done
    kind export logs --name "$CLUSTER" "$out/kind" >/dev/null 2>&1 || true
    {
        echo "--- pools"
        kubectl get pypool -A -o wide 2>&1
        kubectl get pypool -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}: {range .status.conditions[*]}{.type}={.status} {.reason} {.message}; {end}{"\n"}{end}' 2>&1
        echo "--- pods"
        kubectl get pods -A -o wide 2>&1 | grep -v kube-system
        echo "--- last events"
        tail -n 25 "$out/events.txt"
        echo "--- operator log (last 30 lines)"
        kubectl -n python-sandbox logs deployment/python-sandbox --tail=30 2>&1
    } >&2 || true
}

# stop_forward: ends the README's port-forward (FORWARD, its pid), if it runs.
FORWARD=""
stop_forward() {
    [ -n "$FORWARD" ] || return 0
    kill "$FORWARD" 2>/dev/null || true
    wait "$FORWARD" 2>/dev/null || true
    FORWARD=""
}

CREATED=0
finish() {
    local status=$?
    trap - EXIT
    stop_forward
    if [ "$status" -ne 0 ]; then
        log "e2e FAILED during: $STEP"
        diagnostics
    fi
    if [ "${E2E_KEEP:-0}" = 1 ]; then
        log "keeping cluster $CLUSTER: export KUBECONFIG=$KUBECONFIG; kind delete cluster --name $CLUSTER when done"
    elif [ "$CREATED" = 1 ]; then
        kind delete cluster --name "$CLUSTER" || true
    fi
    [ "$status" -ne 0 ] || log "e2e passed"
    exit "$status"
}
trap finish EXIT

main() {
    step "tools" check_tools
    step "kind cluster $CLUSTER" create_cluster
    step "images" load_images
    step "README: helm install, apply a pool, wait" readme_install
    step "README: call the pool" readme_call
    step "packages for the with-packages pool" fill_packages
    step "every example pool Ready" apply_pools
    step "client pods" start_clients
    step "Pod Security restricted" check_pod_security
    step "calls from a client pod" check_calls
    step "allowed and refused callers" check_callers
    step "tenants: tokens from a Secret, rotation" check_tenants
    step "sessions: state kept by one runner, at its own address" check_sessions
    step "no egress from runners" check_egress
    step "scale" check_scale
    step "PerNode placement" check_per_node
    step "limits edit rolls the runners" check_limits_edit
    step "no apply without drift; an edited child is put back" check_drift
    step "traced pool: spans reach its collector" check_tracing
    step "sidecar injection" check_sidecar
    step "deleting pools removes their children" check_delete
    step "docs/install.md: uninstall, install, default pool, upgrade" install_guide
    step "the packaged chart: install, helm test, uninstall" packaged_chart
}

main "$@"
