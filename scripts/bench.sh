#!/usr/bin/env bash
# Whole-system benchmarks on a release build, production configuration
# (access log on, a real session cookie, the real database). Prints the
# figures recorded in docs/BENCHMARKS.md. Loopback only; every process it
# starts is stopped at exit.
#   scripts/bench.sh [runs=3] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
secs=${2:-10}
bin=build/release
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
bench_setup bench
bench_require bench "$bin/src/app/parley" "$bin/tools/mock_entra_id/mock-entra-id" \
  "$bin/tools/hello_beast/hello-beast"
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# wrk prints e.g. "Requests/sec: 81234.56" and "99%    1.23ms".
run_wrk() {  # url [header]
  local url=$1 header=${2:-} out
  if [[ -n $header ]]; then
    out=$(wrk -t2 -c64 -d"${secs}s" --latency -H "$header" "$url")
  else
    out=$(wrk -t2 -c64 -d"${secs}s" --latency "$url")
  fi
  local rps p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(grep -cE 'Non-2xx|Socket errors' <<<"$out" || true)
  echo "$rps $p99 $errors"
}

pgport=$(free_port)
PG_EXTRA_OPTS="" DATABASE_URL=$(./scripts/pg.sh start "$work/pg" "$pgport")
export DATABASE_URL

entra_port=$(free_port)
parley_port=$(free_port)
hello_port=$(free_port)
"$bin/tools/mock_entra_id/mock-entra-id" --port "$entra_port" --client-id bench --client-secret bench-secret \
  --redirect-uri "http://127.0.0.1:$parley_port/api/auth/callback/microsoft-entra-id" >/dev/null 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$entra_port/11111111-2222-3333-4444-555555555555/v2.0/.well-known/openid-configuration"

export PORT=$parley_port HOSTNAME=127.0.0.1 AUTH_URL="http://127.0.0.1:$parley_port"
export AUTH_SECRET=bench-secret-0123456789abcdefghijklmnopqrstuvwxyz
export AUTH_MICROSOFT_ENTRA_ID_ID=bench AUTH_MICROSOFT_ENTRA_ID_SECRET=bench-secret
export AUTH_MICROSOFT_ENTRA_ID_ISSUER="http://127.0.0.1:$entra_port/11111111-2222-3333-4444-555555555555/v2.0"
export AZURE_OPENAI_ENDPOINT=http://127.0.0.1:9 AZURE_OPENAI_DEPLOYMENT=bench AZURE_OPENAI_API_KEY=bench
"$bin/src/app/parley" serve >"$work/parley.log" 2>&1 &
parley_pid=$!
pids+=($parley_pid)
wait_http "http://127.0.0.1:$parley_port/readyz"
startup_ms=$(grep -o '"startup_ms":[0-9]*' "$work/parley.log" | head -1 | cut -d: -f2)

# Sign in once, like a browser, to get a real session cookie.
cookie=$(bench_session_cookie "http://127.0.0.1:$parley_port" ada@example.com)
session=$(curl -s -H "Cookie: parley.session=$cookie" "http://127.0.0.1:$parley_port/api/auth/session")
[[ $session == *Ada* ]] || { echo "session check failed: $session" >&2; exit 1; }
idle_rss=$(rss_kb $parley_pid)

"$bin/tools/hello_beast/hello-beast" "$hello_port" >/dev/null &
pids+=($!)
wait_http "http://127.0.0.1:$hello_port/"

echo "runs=$runs duration=${secs}s wrk -t2 -c64"
hello_rps=() hello_p99=() parley_rps=() parley_p99=()
for i in $(seq 1 "$runs"); do
  read -r r p e < <(run_wrk "http://127.0.0.1:$hello_port/")
  hello_rps+=("$r"); hello_p99+=("$p")
  echo "run $i hello-beast: $r req/s p99 $p"
  read -r r p e < <(run_wrk "http://127.0.0.1:$parley_port/api/auth/session" "Cookie: parley.session=$cookie")
  parley_rps+=("$r"); parley_p99+=("$p")
  echo "run $i parley /api/auth/session: $r req/s p99 $p (error lines: $e)"
done
loaded_rss=$(rss_kb $parley_pid)
h=$(printf '%s\n' "${hello_rps[@]}" | median)
p=$(printf '%s\n' "${parley_rps[@]}" | median)
echo "median hello-beast req/s: $h"
echo "median parley req/s: $p"
echo "median parley p99: $(printf '%s\n' "${parley_p99[@]}" | sed 's/ms$//;s/us$/e-3/' | median) ms"
echo "parley/hello ratio: $(awk -v a="$p" -v b="$h" 'BEGIN {printf "%.2f", a/b}')"
echo "parley idle RSS: $((idle_rss / 1024)) MB ($idle_rss kB); after load: $((loaded_rss / 1024)) MB"
echo "parley start-up to listening: ${startup_ms} ms (database up, migrations checked)"
echo "access log lines written: $(grep -c '"http.request"' "$work/parley.log")"
