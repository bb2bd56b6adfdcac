#!/usr/bin/env bash
# `make image-test`: runs the image that `make image` built, the way a
# hardened Kubernetes pod runs it — podman as root, read-only root
# filesystem, every capability dropped, uid 10001 from the image — against a
# private PostgreSQL and the mocks on loopback (--network host), and checks:
#   1. /readyz answers 200 (database reachable, migrations applied)
#   2. a full OIDC sign-in through the container (mock-entra-id)
#   3. a streamed answer (start, deltas, done complete) stored `complete`
#   4. SIGTERM: the container exits 0
# and prints the image size and the start-to-ready time.
#
#   scripts/image-test.sh [image ref]   (default localhost/parley:<version>)
# Environment: IMAGE_TEST_RUNS (1): start/stop the container that many
# times for the start-to-ready median.
#
# This machine runs containers only with runc and cgroupfs (crun and the
# systemd cgroup manager fail in its sandbox), and rlimits must be given
# explicitly, within the caller's own hard limits.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
bench_setup image-test
bench_require release "$bin/src/app/parley" "$bin/tools/mock_entra_id/mock-entra-id" \
  "$bin/tools/mock_azure_openai/mock-azure-openai"
ref=${1:-localhost/parley:$("$bin/src/app/parley" version | awk '{print $NF}')}
runs=${IMAGE_TEST_RUNS:-1}
fail() { echo "image-test: FAIL: $*" >&2; exit 1; }
pass() { echo "image-test: ok   $*"; }
tenant=11111111-2222-3333-4444-555555555555

nofile=$(ulimit -Hn)
[[ $nofile == unlimited ]] && nofile=65536
podman_run=(podman --runtime runc --cgroup-manager cgroupfs run)
container=parley-image-test-$$
stop_container() { podman --runtime runc --cgroup-manager cgroupfs rm -f -t 0 "$container" >/dev/null 2>&1 || true; }
trap 'stop_container; bench_cleanup' EXIT

podman image exists "$ref" || fail "$ref is not in local storage: make image builds it"
size=$(podman image inspect --format '{{.Size}}' "$ref")
pass "image $ref, $((size / 1000)) kB ($(awk -v b="$size" 'BEGIN {printf "%.1f", b / 1e6}') MB)"
user=$(podman image inspect --format '{{.Config.User}}' "$ref")
[[ $user == 10001:10001 ]] || fail "image user is '$user', not 10001:10001"
entrypoint=$(podman image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' "$ref")
[[ $entrypoint == '["/usr/local/bin/parley"] ["serve"]' ]] || fail "entrypoint/cmd: $entrypoint"
# No shell: running one must fail.
if "${podman_run[@]}" --rm --read-only --cap-drop ALL --ulimit "nofile=$nofile:$nofile" \
    --ulimit nproc=4096:4096 --entrypoint /bin/sh "$ref" -c true >/dev/null 2>&1; then
  fail "the image has a shell"
fi
pass "user 10001:10001, entrypoint parley, command serve, no shell"

pgport=$(free_port)
DATABASE_URL=$(PG_EXTRA_OPTS="-c fsync=off" ./scripts/pg.sh start "$work/pg" "$pgport")
entra_port=$(free_port)
aoai_port=$(free_port)
port=$(free_port)
base="http://127.0.0.1:$port"
"$bin/tools/mock_entra_id/mock-entra-id" --port "$entra_port" --client-id image-test \
  --client-secret image-test-secret --redirect-uri "$base/api/auth/callback/microsoft-entra-id" \
  >"$work/entra.log" 2>&1 &
pids+=($!)
"$bin/tools/mock_azure_openai/mock-azure-openai" --port "$aoai_port" --api-key image-test-key \
  --deployments image-test >"$work/aoai.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$entra_port/$tenant/v2.0/.well-known/openid-configuration" ||
  fail "mock-entra-id did not start"
wait_http "http://127.0.0.1:$aoai_port/healthz" || fail "mock-azure-openai did not start"

start_container() {
  "${podman_run[@]}" -d --name "$container" --network host \
    --read-only --cap-drop ALL --security-opt no-new-privileges \
    --ulimit "nofile=$nofile:$nofile" --ulimit nproc=4096:4096 \
    --memory 256m \
    -e HOSTNAME=127.0.0.1 -e PORT="$port" -e DATABASE_URL="$DATABASE_URL" \
    -e AUTH_SECRET=image-test-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    -e AUTH_URL="$base" \
    -e AUTH_MICROSOFT_ENTRA_ID_ID=image-test -e AUTH_MICROSOFT_ENTRA_ID_SECRET=image-test-secret \
    -e AUTH_MICROSOFT_ENTRA_ID_ISSUER="http://127.0.0.1:$entra_port/$tenant/v2.0" \
    -e AZURE_OPENAI_ENDPOINT="http://127.0.0.1:$aoai_port" -e AZURE_OPENAI_DEPLOYMENT=image-test \
    -e AZURE_OPENAI_API_KEY=image-test-key \
    "$ref" >/dev/null
}
# Start to ready: from `podman run` to the first 200 from /readyz.
ready_ms=()
for ((i = 1; i <= runs; i++)); do
  t0=$(date +%s%N)
  start_container
  for _ in $(seq 1 600); do
    curl -fs -o /dev/null "$base/readyz" && break
    sleep 0.02
  done
  curl -fs -o /dev/null "$base/readyz" || { podman logs "$container" 2>&1 | tail -5 >&2; fail "not ready"; }
  ready_ms+=($((($(date +%s%N) - t0) / 1000000)))
  if ((i < runs)); then
    podman kill --signal TERM "$container" >/dev/null
    podman wait "$container" >/dev/null
    stop_container
  fi
done
pass "/readyz 200; start to ready $(printf '%s\n' "${ready_ms[@]}" | median) ms (median of $runs: ${ready_ms[*]} ms)"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$base/healthz") == 200 ]] || fail "/healthz"

# Sign in like a browser, then the CSRF token.
jar=$work/jar
authorize=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' \
  "$base/api/auth/signin/microsoft-entra-id?callbackUrl=%2F")
[[ $authorize == http://127.0.0.1:$entra_port/* ]] || fail "sign-in did not redirect to the IdP: $authorize"
callback=$(curl -s -o /dev/null -w '%{redirect_url}' "$authorize&login_hint=ada%40example.com")
landing=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' "$callback")
[[ $landing == "$base/" ]] || fail "callback did not land on /: $landing"
session=$(curl -s -b "$jar" "$base/api/auth/session")
jq -e '.user.email == "ada@example.com"' >/dev/null <<<"$session" || fail "session: $session"
csrf=$(curl -s -b "$jar" "$base/api/auth/csrf" | jq -r .csrfToken)
pass "sign-in through the container: $(jq -c '{name: .user.name, roles: .user.roles}' <<<"$session")"

# A streamed answer.
api() { curl -s -b "$jar" -H "Origin: $base" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' "$@"; }
conversation=$(api -X POST -d '{}' "$base/api/conversations" | jq -r .id)
[[ $conversation =~ ^[0-9a-f-]{36}$ ]] || fail "create conversation"
api -N -X POST -H 'Accept: text/event-stream' -d '{"content":"Hello from the image test"}' \
  "$base/api/conversations/$conversation/messages" >"$work/stream.txt"
events=$(awk '/^event: / {print $2}' "$work/stream.txt" | uniq | paste -sd' ' -)
[[ $events == "start delta title done" || $events == "start delta done" ]] || fail "events: $events"
grep -q '"status":"complete"' "$work/stream.txt" || fail "the answer did not complete"
stored=$(psql "$DATABASE_URL" -XqtA -c "SELECT status FROM messages WHERE conversation_id = '$conversation' AND role = 'assistant'")
[[ $stored == complete ]] || fail "stored status: $stored"
pass "streamed answer: $events; stored complete"

# Memory of the process in the container (the cgroup figures podman reports
# with cgroupfs here are not the process's).
pid=$(podman inspect --format '{{.State.Pid}}' "$container")
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
startup=$(podman logs "$container" 2>&1 | grep -o '"startup_ms":[0-9]*' | tail -n1 | cut -d: -f2)
pass "in the container: start-up ${startup} ms (parley's own startup_ms), RSS $((rss / 1024)) MB (peak $((hwm / 1024)) MB) after one answer"

# SIGTERM: a clean exit 0.
podman kill --signal TERM "$container" >/dev/null
code=$(podman wait "$container")
[[ $code == 0 ]] || { podman logs "$container" 2>&1 | tail -5 >&2; fail "exit status after SIGTERM: $code"; }
podman logs "$container" 2>&1 | grep -q '"msg":"server.stopped"' || fail "no server.stopped in the log"
pass "SIGTERM: exit 0 after server.stopped"
echo "image-test: all checks passed"
