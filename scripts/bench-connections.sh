#!/usr/bin/env bash
# The connection budget, measured (docs/DEPLOY.md section 6): N release
# replicas on one PostgreSQL whose max_connections is N x 11 + 20, each
# signed in and pushed to its busiest (64 concurrent answers through
# chat-load), while pg_stat_activity is sampled. Prints the connections
# held idle and at the peak, per replica and in all, and whether every
# answer completed. Loopback only; everything started is stopped at exit.
#   scripts/bench-connections.sh [replicas=30]
set -euo pipefail
cd "$(dirname "$0")/.."
replicas=${1:-30}
bin=build/release
load=$bin/tools/chat_load/chat-load
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
bench_setup bench-connections
bench_require release "$bin/src/app/parley" "$bin/tools/mock_entra_id/mock-entra-id" \
  "$bin/tools/mock_azure_openai/mock-azure-openai" "$load"
fail() { echo "bench-connections: $*" >&2; exit 1; }
tenant=11111111-2222-3333-4444-555555555555
max_connections=$((replicas * 11 + 20))

pgport=$(free_port)
DATABASE_URL=$(PG_EXTRA_OPTS="-c fsync=off -c max_connections=$max_connections" \
  ./scripts/pg.sh start "$work/pg" "$pgport")
connections() {
  psql "$DATABASE_URL" -XqtA -c \
    "SELECT count(*) FROM pg_stat_activity WHERE datname = 'parley' AND pid <> pg_backend_pid()"
}

ports=()
redirects=()
for ((i = 0; i < replicas; i++)); do
  ports+=("$(free_port)")
  redirects+=(--redirect-uri "http://127.0.0.1:${ports[i]}/api/auth/callback/microsoft-entra-id")
done
entra_port=$(free_port)
aoai_port=$(free_port)
"$bin/tools/mock_entra_id/mock-entra-id" --port "$entra_port" --client-id bench \
  --client-secret bench-secret "${redirects[@]}" >/dev/null 2>&1 &
pids+=($!)
"$bin/tools/mock_azure_openai/mock-azure-openai" --port "$aoai_port" --api-key bench-key \
  --deployments bench >/dev/null 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$entra_port/$tenant/v2.0/.well-known/openid-configuration" || fail "mock-entra-id"
wait_http "http://127.0.0.1:$aoai_port/healthz" || fail "mock-azure-openai"
curl -fs -XPOST "http://127.0.0.1:$aoai_port/_mock/behaviour" \
  -d '{"chunks":20,"chunk_delay_ms":50}' >/dev/null

for port in "${ports[@]}"; do
  PORT=$port HOSTNAME=127.0.0.1 AUTH_URL="http://127.0.0.1:$port" DATABASE_URL=$DATABASE_URL \
    AUTH_SECRET=bench-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    AUTH_MICROSOFT_ENTRA_ID_ID=bench AUTH_MICROSOFT_ENTRA_ID_SECRET=bench-secret \
    AUTH_MICROSOFT_ENTRA_ID_ISSUER="http://127.0.0.1:$entra_port/$tenant/v2.0" \
    AZURE_OPENAI_ENDPOINT="http://127.0.0.1:$aoai_port" AZURE_OPENAI_DEPLOYMENT=bench \
    AZURE_OPENAI_API_KEY=bench-key PARLEY_QUOTA_CONCURRENT_STREAMS=1000 \
    "$bin/src/app/parley" serve >"$work/parley-$port.log" 2>&1 &
  pids+=($!)
done
for port in "${ports[@]}"; do
  wait_http "http://127.0.0.1:$port/readyz" || { tail -3 "$work/parley-$port.log" >&2; fail "replica :$port not ready"; }
done
echo "$replicas replicas ready; PostgreSQL max_connections $max_connections"

for port in "${ports[@]}"; do
  base="http://127.0.0.1:$port"
  cookie=$(bench_session_cookie "$base" ada@example.com) || fail "sign-in on :$port"
  csrf=$(curl -s -H "Cookie: parley.session=$cookie" "$base/api/auth/csrf" | jq -r .csrfToken)
  echo "$cookie $csrf" >"$work/session-$port.txt"
done
idle=$(connections)
echo "idle after one sign-in each: $idle connections ($(awk -v c="$idle" -v r="$replicas" 'BEGIN {printf "%.1f", c / r}') per replica)"

# Every replica at once: 64 concurrent answers each.
load_pids=()
for port in "${ports[@]}"; do
  "$load" parley --url "http://127.0.0.1:$port" --sessions "$work/session-$port.txt" \
    --streams 64 --concurrency 64 --json >"$work/load-$port.json" 2>&1 &
  load_pids+=($!)
done
peak=0
while :; do
  running=0
  for pid in "${load_pids[@]}"; do kill -0 "$pid" 2>/dev/null && running=1; done
  c=$(connections)
  ((c > peak)) && peak=$c
  ((running)) || break
  sleep 0.05
done
errors=0
for port in "${ports[@]}"; do
  e=$(jq .errors "$work/load-$port.json" 2>/dev/null || echo 64)
  errors=$((errors + e))
done
after=$(connections)
echo "peak under load: $peak connections ($(awk -v c="$peak" -v r="$replicas" 'BEGIN {printf "%.1f", c / r}') per replica; budget 11)"
echo "after the load: $after connections"
echo "answers: $((replicas * 64)) sent, $errors errors; left streaming: $(psql "$DATABASE_URL" -XqtA -c "SELECT count(*) FROM messages WHERE status = 'streaming'")"
for port in "${ports[@]}"; do
  curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" || echo "replica :$port not ready after the load"
done
