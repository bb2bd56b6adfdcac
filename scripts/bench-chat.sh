#!/usr/bin/env bash
# Chat benchmarks (issue 4) on a release build, production configuration:
# access log on (to a file), real session cookies from the OIDC sign-in
# against mock-entra-id, the real database, the model = mock-azure-openai.
# Prints the figures recorded in docs/BENCHMARKS.md. Loopback only; every
# process it starts is stopped at exit.
#   scripts/bench-chat.sh [runs=3] [seconds=10]
# Environment: BENCH_TTFT_STREAMS (200), BENCH_STREAMS (1000), BENCH_PHASES
# ("ttft streams list": which of the three parts below to run), BENCH_PARLEY
# (the parley executable; another build's, to compare two versions in one
# sitting).
#
# Quotas are on: a daily token budget far above what the runs spend and
# 1,000 concurrent streams per user, so every post pays the quota checks
# without being refused (the default of 3 streams would refuse part 2).
#
#   1. time to first token: chat-load direct (mock alone) and chat-load
#      parley, one stream at a time, mock at 20 chunks x 20 ms;
#   2. BENCH_STREAMS concurrent answers (20 users), peak RSS, every answer
#      checked `complete` in PostgreSQL;
#   3. 1,000 seeded users x 20 conversations, wrk -t2 -c64 on
#      GET /api/conversations with a signed-in user who owns 20.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
secs=${2:-10}
ttft_streams=${BENCH_TTFT_STREAMS:-200}
big_streams=${BENCH_STREAMS:-1000}
phases=" ${BENCH_PHASES:-ttft streams list} "
bin=build/release
load=$bin/tools/chat_load/chat-load
deployment=bench-gpt
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
bench_setup bench-chat
status_kb() { awk -v f="$2:" '$1==f {print $2}' "/proc/$1/status"; }
load_avg() { cut -d' ' -f1-3 /proc/loadavg; }
sql() { psql "$DATABASE_URL" -XqtA -v ON_ERROR_STOP=1 -c "$1"; }
# wrk latency "1.23ms" / "850.00us" / "1.02s" -> milliseconds
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000} printf "%.2f\n", v}'; }
fail() { echo "bench-chat: $*" >&2; exit 1; }

parley=${BENCH_PARLEY:-$bin/src/app/parley}
bench_require bench-chat "$parley" "$bin/tools/mock_entra_id/mock-entra-id" \
  "$bin/tools/mock_azure_openai/mock-azure-openai" "$load"

echo "load average at start: $(load_avg)"
pgport=$(free_port)
# Production-like PostgreSQL: none of the tests' speed-ups (fsync=off).
DATABASE_URL=$(PG_EXTRA_OPTS="" ./scripts/pg.sh start "$work/pg" "$pgport")
export DATABASE_URL

# 20 users who stream, and one who lists (owns exactly 20 conversations).
jq -n '[range(1;21) | {id: "u\(.)", name: "Bench User \(.)", email: "u\(.)@example.com"}]
       + [{id: "lister", name: "List Bench", email: "lister@example.com"}]' >"$work/users.json"

entra_port=$(free_port)
aoai_port=$(free_port)
parley_port=$(free_port)
base="http://127.0.0.1:$parley_port"
aoai="http://127.0.0.1:$aoai_port"
"$bin/tools/mock_entra_id/mock-entra-id" --port "$entra_port" --client-id bench --client-secret bench-secret \
  --users "$work/users.json" \
  --redirect-uri "$base/api/auth/callback/microsoft-entra-id" >/dev/null 2>&1 &
pids+=($!)
"$bin/tools/mock_azure_openai/mock-azure-openai" --port "$aoai_port" --api-key bench-key \
  --deployments "$deployment" >"$work/aoai.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$entra_port/11111111-2222-3333-4444-555555555555/v2.0/.well-known/openid-configuration" \
  || fail "mock-entra-id did not start"
wait_http "$aoai/healthz" || fail "mock-azure-openai did not start"

export PORT=$parley_port HOSTNAME=127.0.0.1 AUTH_URL=$base
export AUTH_SECRET=bench-secret-0123456789abcdefghijklmnopqrstuvwxyz
export AUTH_MICROSOFT_ENTRA_ID_ID=bench AUTH_MICROSOFT_ENTRA_ID_SECRET=bench-secret
export AUTH_MICROSOFT_ENTRA_ID_ISSUER="http://127.0.0.1:$entra_port/11111111-2222-3333-4444-555555555555/v2.0"
export AZURE_OPENAI_ENDPOINT=$aoai AZURE_OPENAI_DEPLOYMENT=$deployment AZURE_OPENAI_API_KEY=bench-key
export PARLEY_QUOTA_DAILY_TOKENS=1000000000000 PARLEY_QUOTA_CONCURRENT_STREAMS=1000
echo "parley: $parley ($(git -C "$(dirname "$parley")" rev-parse --short HEAD 2>/dev/null || echo '?'))"
"$parley" serve >"$work/parley.log" 2>&1 &
parley_pid=$!
pids+=("$parley_pid")
wait_http "$base/readyz" || { tail -5 "$work/parley.log" >&2; fail "parley did not start"; }
echo "parley pid $parley_pid, descriptor limit $(awk '/Max open files/ {print $4}' "/proc/$parley_pid/limits")"

# Signs in (bench-lib.sh); prints "<session cookie> <csrf token>".
sign_in() {
  local who=$1 cookie csrf
  cookie=$(bench_session_cookie "$base" "$who@example.com") || return 1
  csrf=$(curl -s -H "Cookie: parley.session=$cookie" "$base/api/auth/csrf" | jq -r .csrfToken)
  [[ -n $csrf && $csrf != null ]] || { echo "no CSRF token for $who" >&2; return 1; }
  echo "$cookie $csrf"
}
sessions=$work/sessions.txt
for i in $(seq 1 20); do
  line=$(sign_in "u$i") || fail "sign-in failed"
  echo "$line" >>"$sessions"
done
lister=$(sign_in lister) || fail "sign-in failed"
lister_cookie=${lister%% *}
idle_rss=$(status_kb $parley_pid VmRSS)
echo "signed in 21 users; parley idle RSS $((idle_rss / 1024)) MB"

curl -fs -XPOST "$aoai/_mock/behaviour" \
  -d '{"chunks":20,"chunk_delay_ms":20,"first_token_delay_ms":0}' >/dev/null

d_first=() p_start=() p_first=() p_after=() added=() ttft_errors=0
big_errors=0 big_wall=() big_peak=() big_start=() big_first=() big_open=() db_bad=0
list_rps=() list_p99=() list_non2xx=0

# --- 1. time to first token, one stream at a time ---------------------------
if [[ $phases == *" ttft "* ]]; then
echo
echo "== time to first token: $ttft_streams streams per run, concurrency 1, mock 20 chunks x 20 ms"
# Warm-up: connection pools, prepared statements, page cache.
"$load" direct --url "$aoai" --deployment "$deployment" --api-key bench-key --streams 20 --concurrency 1 >/dev/null || true
"$load" parley --url "$base" --sessions "$sessions" --streams 20 --concurrency 1 >/dev/null || true
echo "load average: $(load_avg)"
for i in $(seq 1 "$runs"); do
  d=$("$load" direct --url "$aoai" --deployment "$deployment" --api-key bench-key \
        --streams "$ttft_streams" --concurrency 1 --json) || true
  p=$("$load" parley --url "$base" --sessions "$sessions" \
        --streams "$ttft_streams" --concurrency 1 --json) || true
  [[ -n $d && -n $p ]] || fail "chat-load printed nothing"
  e=$(( $(jq .errors <<<"$d") + $(jq .errors <<<"$p") ))
  ttft_errors=$((ttft_errors + e))
  df=$(jq .first_content_ms.p50 <<<"$d")
  ps=$(jq .start_ms.p50 <<<"$p")
  pf=$(jq .first_delta_ms.p50 <<<"$p")
  pa=$(jq .delta_after_start_ms.p50 <<<"$p")
  ad=$(awk -v a="$pa" -v b="$df" 'BEGIN {printf "%.3f", a - b}')
  d_first+=("$df") p_start+=("$ps") p_first+=("$pf") p_after+=("$pa") added+=("$ad")
  printf 'run %d: direct first content p50 %s ms (p99 %s) | parley start p50 %s ms (p99 %s), first delta p50 %s ms (p99 %s), delta-start p50 %s ms | added %s ms | errors %d\n' \
    "$i" "$df" "$(jq .first_content_ms.p99 <<<"$d")" "$ps" "$(jq .start_ms.p99 <<<"$p")" \
    "$pf" "$(jq .first_delta_ms.p99 <<<"$p")" "$pa" "$ad" "$e"
  [[ $e -eq 0 ]] || echo "  errors: direct $(jq -c .error_reasons <<<"$d") parley $(jq -c .error_reasons <<<"$p")"
done

fi

# --- 2. concurrent streams ----------------------------------------------------
if [[ $phases == *" streams "* ]]; then
echo
echo "== $big_streams concurrent streams (20 users), mock 20 chunks x 20 ms"
echo "load average: $(load_avg)"
for i in $(seq 1 "$runs"); do
  mark=$(sql "SELECT clock_timestamp()")
  before=$(status_kb $parley_pid VmRSS)
  "$load" parley --url "$base" --sessions "$sessions" --streams "$big_streams" \
    --concurrency "$big_streams" --timeout 300 --json >"$work/big.json" &
  load_pid=$!
  pids+=("$load_pid")
  peak=$before fds=0
  while kill -0 "$load_pid" 2>/dev/null; do
    r=$(status_kb $parley_pid VmRSS)
    ((r > peak)) && peak=$r
    f=$(find "/proc/$parley_pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
    ((f > fds)) && fds=$f
    sleep 0.1
  done
  wait "$load_pid" || true
  b=$(cat "$work/big.json")
  [[ -n $b ]] || fail "chat-load printed nothing"
  e=$(jq .errors <<<"$b")
  big_errors=$((big_errors + e))
  read -r complete streaming failed other total < <(sql "SELECT
      count(*) FILTER (WHERE status = 'complete'), count(*) FILTER (WHERE status = 'streaming'),
      count(*) FILTER (WHERE status = 'failed'),
      count(*) FILTER (WHERE status NOT IN ('complete', 'streaming', 'failed')), count(*)
    FROM messages WHERE role = 'assistant' AND created_at >= '$mark'" | tr '|' ' ')
  ok_db=1
  [[ $complete -eq $big_streams && $total -eq $big_streams ]] || { ok_db=0; db_bad=$((db_bad + 1)); }
  w=$(jq .wall_ms <<<"$b")
  big_wall+=("$w") big_peak+=("$peak")
  big_start+=("$(jq .start_ms.p50 <<<"$b")") big_first+=("$(jq .first_delta_ms.p50 <<<"$b")")
  big_open+=("$(jq .peak_open_streams <<<"$b")")
  printf 'run %d: ok %s errors %s, wall %.2f s, peak open streams %s | start p50 %s p99 %s ms | first delta p50 %s p99 %s ms | total p50 %s p99 %s ms | RSS %d -> peak %d MB, fds peak %d | db: complete %s streaming %s failed %s other %s of %s%s\n' \
    "$i" "$(jq .ok <<<"$b")" "$e" "$(awk -v w="$w" 'BEGIN {print w / 1000}')" "$(jq .peak_open_streams <<<"$b")" \
    "$(jq .start_ms.p50 <<<"$b")" "$(jq .start_ms.p99 <<<"$b")" \
    "$(jq .first_delta_ms.p50 <<<"$b")" "$(jq .first_delta_ms.p99 <<<"$b")" \
    "$(jq .total_ms.p50 <<<"$b")" "$(jq .total_ms.p99 <<<"$b")" \
    $((before / 1024)) $((peak / 1024)) "$fds" "$complete" "$streaming" "$failed" "$other" "$total" \
    "$([[ $ok_db -eq 1 ]] && echo ' (all stored complete)' || echo ' (MISMATCH)')"
  [[ $e -eq 0 ]] || echo "  errors: $(jq -c .error_reasons <<<"$b")"
done
echo "stored-state check: $(sql "SELECT count(*) FROM messages WHERE status = 'streaming'") rows still streaming in the whole table"
fi
hwm=$(status_kb $parley_pid VmHWM)
after_rss=$(status_kb $parley_pid VmRSS)

# --- 3. GET /api/conversations under wrk -------------------------------------
if [[ $phases == *" list "* ]]; then
echo
echo "== GET /api/conversations: seeding 1,000 users x 20 conversations"
sql "INSERT INTO users (tenant_id, object_id, email, name)
       SELECT 'seed-tenant', 'seed-' || g, 'seed' || g || '@example.com', 'Seed User ' || g
       FROM generate_series(1, 1000) g;
     INSERT INTO conversations (user_id, title, created_at, updated_at)
       SELECT u.id, 'Seeded conversation ' || c, now() - make_interval(mins => 20 * c),
              now() - make_interval(mins => c)
       FROM users u, generate_series(1, 20) c
       WHERE u.tenant_id = 'seed-tenant' OR u.email = 'lister@example.com';" >/dev/null
sql "VACUUM ANALYZE users" >/dev/null
sql "VACUUM ANALYZE conversations" >/dev/null
# VACUUM as autovacuum would soon after 20,000 inserts (the insert threshold
# is 1,000 rows): the visibility map makes index-only scans possible.
echo "users $(sql 'SELECT count(*) FROM users'), conversations $(sql 'SELECT count(*) FROM conversations')"
list=$(curl -s -w '\n%{http_code}' -H "Cookie: parley.session=$lister_cookie" "$base/api/conversations")
code=${list##*$'\n'}
items=$(jq '.items | length' <<<"${list%$'\n'*}")
[[ $code == 200 && $items == 20 ]] || fail "list check: HTTP $code with $items items"
lister_id=$(sql "SELECT id FROM users WHERE email = 'lister@example.com'")
# The page is what the database holds: ids, titles and timestamps, in order.
want=$(sql "SELECT string_agg(concat_ws(' ', id, title,
         to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
         to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')), '|')
       FROM (SELECT * FROM conversations WHERE user_id = '$lister_id'
             ORDER BY updated_at DESC, id DESC) c")
got=$(jq -r '[.items[] | [.id, .title, .created_at, .updated_at] | join(" ")] | join("|")' <<<"${list%$'\n'*}")
[[ $got == "$want" ]] || fail "list check: the page differs from the database"
echo "check: HTTP 200 with $items items equal to the database's, next_cursor $(jq -c .next_cursor <<<"${list%$'\n'*}")"
# The statement of db/conversations_repo.cpp (kListFirst) for one page.
echo "query plan: $(sql "EXPLAIN (ANALYZE, COSTS OFF) SELECT id, title, created_at, updated_at, model
  FROM conversations WHERE user_id = '$lister_id' ORDER BY updated_at DESC, id DESC LIMIT 21" |
  tr '\n' ' ' | sed 's/  */ /g')"
echo "load average: $(load_avg)"
for i in $(seq 1 "$runs"); do
  out=$(wrk -t2 -c64 -d"${secs}s" --latency -H "Cookie: parley.session=$lister_cookie" "$base/api/conversations")
  r=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
  p50=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
  n=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  s=$(grep 'Socket errors' <<<"$out" || true)
  list_non2xx=$((list_non2xx + ${n:-0}))
  list_rps+=("$r") list_p99+=("$p")
  echo "run $i: $r req/s, p50 $p50 ms, p99 $p ms, non-2xx ${n:-0}${s:+, $s}"
done

fi

# --- summary -------------------------------------------------------------------
m() { printf '%s\n' "$@" | median; }
echo
echo "== summary (medians of $runs runs; load average now $(load_avg))"
if [[ ${#added[@]} -gt 0 ]]; then
  echo "TTFT, direct to the mock (first content chunk), p50:  $(m "${d_first[@]}") ms"
  echo "TTFT, parley start (user message committed), p50:     $(m "${p_start[@]}") ms"
  echo "TTFT, parley first delta, p50:                        $(m "${p_first[@]}") ms"
  echo "parley first delta - start, p50:                      $(m "${p_after[@]}") ms"
  echo "added by parley beyond the commit, p50:               $(m "${added[@]}") ms   (runs: ${added[*]})"
  echo "TTFT errors:                                          $ttft_errors"
fi
if [[ ${#big_wall[@]} -gt 0 ]]; then
  echo "$big_streams concurrent streams: errors $big_errors over $runs runs, runs with a database mismatch: $db_bad"
  echo "  wall $(m "${big_wall[@]}") ms, peak open streams $(m "${big_open[@]}"), start p50 $(m "${big_start[@]}") ms, first delta p50 $(m "${big_first[@]}") ms"
  echo "  parley RSS: idle $((idle_rss / 1024)) MB, peak sampled $(( $(m "${big_peak[@]}") / 1024 )) MB (median of runs), VmHWM $((hwm / 1024)) MB, after $((after_rss / 1024)) MB"
fi
if [[ ${#list_rps[@]} -gt 0 ]]; then
  echo "GET /api/conversations: $(m "${list_rps[@]}") req/s (runs: ${list_rps[*]}), p99 $(m "${list_p99[@]}") ms (runs: ${list_p99[*]}), non-2xx $list_non2xx"
fi
echo "parley log: $(grep -c '"http.request"' "$work/parley.log") access lines, $(grep -c '"level":"error"' "$work/parley.log" || true) errors, $(grep -c '"level":"warn"' "$work/parley.log" || true) warnings"
if grep -q '"level":"\(error\|warn\)"' "$work/parley.log"; then
  echo "  by message: $(grep -o '"level":"\(error\|warn\)","msg":"[^"]*"' "$work/parley.log" | sort | uniq -c | tr '\n' ';')"
fi
