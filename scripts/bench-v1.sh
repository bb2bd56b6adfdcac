#!/usr/bin/env bash
# The service API (/v1) on a release build, production configuration
# (access log on, real database, audit of every call): what Parley adds to a
# non-streaming chat completion over calling mock-azure-openai directly
# (wrk, one connection: p50 latency of each, the difference is the
# overhead), and non-streaming /v1 requests per second with the mock
# answering at once. Two direct baselines: the caller's own non-streamed
# request, and the streamed request Parley sends upstream for it (Parley
# always streams from the model: one path for both kinds of call, usage
# included); the overhead is given over each. Loopback only; every process started is stopped at exit.
#   scripts/bench-v1.sh [runs=3] [seconds=10]
# BENCH_PARLEY: the parley executable (another build's, to compare two
# versions in one sitting). BENCH_PARLEY_B: a second build, started beside
# the first on the same database and mocks and timed right after it in
# every run (an A/B comparison that the machine's drift between runs does
# not blur).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
secs=${2:-10}
bin=build/release
deployment=bench-gpt
tenant=11111111-2222-3333-4444-555555555555
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
bench_setup bench-v1
fail() { echo "bench-v1: $*" >&2; exit 1; }
load_avg() { cut -d' ' -f1-3 /proc/loadavg; }
# wrk --latency: the 50% line in milliseconds.
p50_ms() { awk '$1=="50%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000} printf "%.3f\n", v}'; }
rps() { awk '/^Requests\/sec/ {print $2}'; }
non2xx() { awk '/Non-2xx/ {n=$5} END {print n+0}'; }

parley=${BENCH_PARLEY:-$bin/src/app/parley}
bench_require bench-v1 "$parley" "$bin/tools/mock_entra_id/mock-entra-id" \
  "$bin/tools/mock_azure_openai/mock-azure-openai"
command -v wrk >/dev/null || fail "wrk is missing (./scripts/install-deps.sh installs it)"

echo "load average at start: $(load_avg)"
pgport=$(free_port)
DATABASE_URL=$(PG_EXTRA_OPTS="" ./scripts/pg.sh start "$work/pg" "$pgport")
export DATABASE_URL

entra_port=$(free_port)
aoai_port=$(free_port)
parley_port=$(free_port)
base="http://127.0.0.1:$parley_port"
aoai="http://127.0.0.1:$aoai_port"
"$bin/tools/mock_entra_id/mock-entra-id" --port "$entra_port" --client-id bench \
  --client-secret bench-secret --redirect-uri "$base/api/auth/callback/microsoft-entra-id" \
  --app bench-svc:bench-svc-secret:Parley.Api >/dev/null 2>&1 &
pids+=($!)
"$bin/tools/mock_azure_openai/mock-azure-openai" --port "$aoai_port" --api-key bench-key \
  --deployments "$deployment" >/dev/null 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$entra_port/$tenant/v2.0/.well-known/openid-configuration" ||
  fail "mock-entra-id did not start"
wait_http "$aoai/healthz" || fail "mock-azure-openai did not start"
curl -fs -XPOST "$aoai/_mock/behaviour" \
  -d '{"chunks":1,"chunk_delay_ms":0,"first_token_delay_ms":0}' >/dev/null

export PORT=$parley_port HOSTNAME=127.0.0.1 AUTH_URL=$base
export AUTH_SECRET=bench-secret-0123456789abcdefghijklmnopqrstuvwxyz
export AUTH_MICROSOFT_ENTRA_ID_ID=bench AUTH_MICROSOFT_ENTRA_ID_SECRET=bench-secret
export AUTH_MICROSOFT_ENTRA_ID_ISSUER="http://127.0.0.1:$entra_port/$tenant/v2.0"
export AZURE_OPENAI_ENDPOINT=$aoai AZURE_OPENAI_DEPLOYMENT=$deployment AZURE_OPENAI_API_KEY=bench-key
# The load generator is one application: let it have every connection at once.
export PARLEY_QUOTA_CONCURRENT_STREAMS=1000
echo "parley: $parley ($(git -C "$(dirname "$parley")" rev-parse --short HEAD 2>/dev/null || echo '?'))"
"$parley" serve >"$work/parley.log" 2>&1 &
pids+=($!)
wait_http "$base/readyz" || { tail -5 "$work/parley.log" >&2; fail "parley did not start"; }
parley_b=${BENCH_PARLEY_B:-}
if [[ -n $parley_b ]]; then
  base_b="http://127.0.0.1:$(free_port)"
  echo "parley B: $parley_b"
  PORT=${base_b##*:} "$parley_b" serve >"$work/parley-b.log" 2>&1 &
  pids+=($!)
  wait_http "$base_b/readyz" || { tail -5 "$work/parley-b.log" >&2; fail "parley B did not start"; }
fi

token=$(curl -fs "http://127.0.0.1:$entra_port/$tenant/oauth2/v2.0/token" \
  -d grant_type=client_credentials -d client_id=bench-svc -d client_secret=bench-svc-secret \
  --data-urlencode "scope=api://bench/.default" | jq -r .access_token)
[[ -n $token && $token != null ]] || fail "no access token"

body='{"model":"'"$deployment"'","messages":[{"role":"user","content":"Say hello."}]}'
# What Parley sends upstream for that call (llm/request.cpp).
upstream_body='{"messages":[{"role":"user","content":"Say hello."}],"stream":true,"stream_options":{"include_usage":true},"max_tokens":4096}'
# A wrk script POSTing a body with one extra header: wrk_post <body> <header> <value>.
wrk_post() {
  printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["%s"] = "%s"\n' \
    "'$1'" "$2" "$3"
}
wrk_post "$body" Authorization "Bearer $token" >"$work/v1.lua"
wrk_post "$body" api-key bench-key >"$work/direct.lua"
wrk_post "$upstream_body" api-key bench-key >"$work/direct-streamed.lua"
direct_url="$aoai/openai/deployments/$deployment/chat/completions?api-version=2024-10-21"
# Sanity: both answer 200 with a completion.
curl -fs -XPOST "$base/v1/chat/completions" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d "$body" | jq -e '.choices[0].message.content' >/dev/null ||
  fail "/v1 did not answer"
# Warm-up.
wrk -t1 -c1 -d2s -s "$work/v1.lua" "$base/v1/chat/completions" >/dev/null
wrk -t1 -c1 -d2s -s "$work/direct.lua" "$direct_url" >/dev/null
wrk -t1 -c1 -d2s -s "$work/direct-streamed.lua" "$direct_url" >/dev/null
[[ -z $parley_b ]] || wrk -t1 -c1 -d2s -s "$work/v1.lua" "$base_b/v1/chat/completions" >/dev/null

echo
echo "== overhead: one connection, non-streaming, ${secs}s per run"
overheads=() streamed_overheads=() direct_p50s=() streamed_p50s=() v1_p50s=()
b_p50s=() b_overheads=()
for i in $(seq 1 "$runs"); do
  d=$(wrk -t1 -c1 -d"${secs}s" --latency -s "$work/direct.lua" "$direct_url")
  ds=$(wrk -t1 -c1 -d"${secs}s" --latency -s "$work/direct-streamed.lua" "$direct_url")
  p=$(wrk -t1 -c1 -d"${secs}s" --latency -s "$work/v1.lua" "$base/v1/chat/completions")
  dp=$(p50_ms <<<"$d") dsp=$(p50_ms <<<"$ds") pp=$(p50_ms <<<"$p")
  o=$(awk -v a="$pp" -v b="$dp" 'BEGIN {printf "%.3f", a - b}')
  os=$(awk -v a="$pp" -v b="$dsp" 'BEGIN {printf "%.3f", a - b}')
  direct_p50s+=("$dp") streamed_p50s+=("$dsp") v1_p50s+=("$pp") overheads+=("$o")
  streamed_overheads+=("$os")
  echo "run $i: direct p50 $dp ms, streamed $dsp ms | /v1 p50 $pp ms | added $o ms (over streamed $os ms) | non-2xx $(non2xx <<<"$p")"
  if [[ -n $parley_b ]]; then
    pb=$(wrk -t1 -c1 -d"${secs}s" --latency -s "$work/v1.lua" "$base_b/v1/chat/completions")
    pbp=$(p50_ms <<<"$pb")
    b_p50s+=("$pbp")
    b_overheads+=("$(awk -v a="$pbp" -v b="$dp" 'BEGIN {printf "%.3f", a - b}')")
    echo "       B /v1 p50 $pbp ms | added ${b_overheads[-1]} ms | non-2xx $(non2xx <<<"$pb")"
  fi
done

echo
echo "== throughput: wrk -t2 -c32, non-streaming /v1, ${secs}s per run"
rates=()
for i in $(seq 1 "$runs"); do
  p=$(wrk -t2 -c32 -d"${secs}s" --latency -s "$work/v1.lua" "$base/v1/chat/completions")
  r=$(rps <<<"$p")
  rates+=("$r")
  echo "run $i: $r req/s, p50 $(p50_ms <<<"$p") ms, non-2xx $(non2xx <<<"$p")"
done
calls=$(psql "$DATABASE_URL" -XqtA -c "SELECT count(*) FROM audit_events WHERE type = 'api.call'")

echo
echo "median: direct p50 $(printf '%s\n' "${direct_p50s[@]}" | median) ms (streamed $(printf '%s\n' "${streamed_p50s[@]}" | median) ms), /v1 p50 $(printf '%s\n' "${v1_p50s[@]}" | median) ms, overhead p50 $(printf '%s\n' "${overheads[@]}" | median) ms (over the streamed request $(printf '%s\n' "${streamed_overheads[@]}" | median) ms); /v1 $(printf '%s\n' "${rates[@]}" | median) req/s"
[[ -z $parley_b ]] ||
  echo "median B: /v1 p50 $(printf '%s\n' "${b_p50s[@]}" | median) ms, overhead p50 $(printf '%s\n' "${b_overheads[@]}" | median) ms"
echo "api.call audit rows written: $calls"
echo "load average at end: $(load_avg)"
