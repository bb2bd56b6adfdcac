#!/usr/bin/env bash
# The administration API at bank scale (docs/BENCHMARKS.md, "Administration"):
# 100,000 users and 30 days x 10,000 users of usage in a private PostgreSQL
# (durable commits), a release parley with the access log on and a real
# administrator's session cookie, then wrk on each page kind (p50/p99) and
# the plans PostgreSQL chose for the very statements parley sent
# (auto_explain, on a second parley whose database role logs them; the
# measured one does not pay for it). Loopback only.
#   scripts/bench-admin.sh [runs=3] [seconds=5]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
secs=${2:-5}
bin=build/release
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
bench_setup bench-admin
bench_require bench-admin "$bin/src/app/parley" "$bin/tools/mock_entra_id/mock-entra-id"

pgport=$(free_port)
url=$(PG_EXTRA_OPTS="" ./scripts/pg.sh start "$work/pg" "$pgport")
entra_port=$(free_port)
parley_port=$(free_port)
explain_port=$(free_port)
"$bin/tools/mock_entra_id/mock-entra-id" --port "$entra_port" --client-id bench \
  --client-secret bench-secret \
  --redirect-uri "http://127.0.0.1:$parley_port/api/auth/callback/microsoft-entra-id" \
  --redirect-uri "http://127.0.0.1:$explain_port/api/auth/callback/microsoft-entra-id" >/dev/null 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$entra_port/11111111-2222-3333-4444-555555555555/v2.0/.well-known/openid-configuration"

export HOSTNAME=127.0.0.1
export AUTH_SECRET=bench-secret-0123456789abcdefghijklmnopqrstuvwxyz
export AUTH_MICROSOFT_ENTRA_ID_ID=bench AUTH_MICROSOFT_ENTRA_ID_SECRET=bench-secret
export AUTH_MICROSOFT_ENTRA_ID_ISSUER="http://127.0.0.1:$entra_port/11111111-2222-3333-4444-555555555555/v2.0"
export AZURE_OPENAI_ENDPOINT=http://127.0.0.1:9 AZURE_OPENAI_DEPLOYMENT=bench AZURE_OPENAI_API_KEY=bench
start_parley() {  # port database-url log
  PORT=$1 AUTH_URL="http://127.0.0.1:$1" DATABASE_URL=$2 "$bin/src/app/parley" serve >"$3" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$1/readyz"
}
start_parley "$parley_port" "$url" "$work/parley.log"

echo "== seeding 100,000 users and 300,000 usage rows (30 days x 10,000 users)"
psql -X -q -v ON_ERROR_STOP=1 "$url" <<'SQL'
INSERT INTO users (tenant_id, object_id, email, name, created_at, last_login_at, disabled_at)
SELECT 'bench-tenant', 'oid-' || i, 'user' || i || '@bank.example',
       (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald','Frances','Ken'])[1 + i % 8]
         || ' ' || (ARRAY['Lovelace','Hopper','Turing','Dijkstra','Liskov','Knuth','Allen','Thompson'])[1 + (i / 8) % 8]
         || ' ' || i,
       now() - make_interval(secs => i * 60), now() - make_interval(secs => i),
       CASE WHEN i % 50 = 0 THEN now() END
FROM generate_series(1, 100000) i;
INSERT INTO usage_daily (subject_kind, subject, day, model, prompt_tokens, completion_tokens, messages)
SELECT 'user', u.id::text, current_date - d, 'gpt-4o', 100 + d, 200 + d, 3
FROM (SELECT id FROM users ORDER BY created_at DESC LIMIT 10000) u, generate_series(0, 29) d;
ANALYZE users;
ANALYZE usage_daily;
SQL

base="http://127.0.0.1:$parley_port"
cookie=$(bench_session_cookie "$base" ada@example.com)
header="Cookie: parley.session=$cookie"
[[ $(curl -s -o /dev/null -w '%{http_code}' -H "$header" "$base/api/admin/users") == 200 ]] ||
  { echo "ada is not an administrator here" >&2; exit 1; }

# A cursor half-way through the list (keyset paging: page 250 of 200 users).
cursor=""
for _ in $(seq 1 250); do
  cursor=$(curl -s -H "$header" "$base/api/admin/users?limit=200${cursor:+&cursor=$cursor}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["next_cursor"] or "")')
done
from=$(date -u -d '29 days ago' +%F)
to=$(date -u +%F)
declare -A pages=(
  [users-first-page]="/api/admin/users"
  [users-page-250]="/api/admin/users?limit=200&cursor=$cursor"
  [users-search-name]="/api/admin/users?q=hopper"
  [users-search-rare]="/api/admin/users?q=user99999%40"
  [users-disabled]="/api/admin/users?status=disabled"
  [usage-30d-by-user]="/api/admin/usage?from=$from&to=$to&group_by=user"
  [usage-30d-by-day]="/api/admin/usage?from=$from&to=$to&group_by=day"
)
order=(users-first-page users-page-250 users-search-name users-search-rare users-disabled
  usage-30d-by-user usage-30d-by-day)

# wrk: one connection per thread, so the latencies are the request's own.
for name in "${order[@]}"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "$header" "$base${pages[$name]}")
  [[ $code == 200 ]] || { echo "$name answers $code" >&2; exit 1; }
  p50s=() p99s=() rpss=()
  for _ in $(seq 1 "$runs"); do
    out=$(wrk -t2 -c2 -d"${secs}s" --latency -H "$header" "$base${pages[$name]}")
    p50s+=("$(awk '$1=="50%" {print $2}' <<<"$out")")
    p99s+=("$(awk '$1=="99%" {print $2}' <<<"$out")")
    rpss+=("$(awk '/Requests\/sec/ {print $2}' <<<"$out")")
    grep -qE 'Non-2xx|Socket errors' <<<"$out" && { echo "$name: errors under load" >&2; exit 1; }
  done
  to_ms() { sed -E 's/([0-9.]+)us$/\1e-3/; s/([0-9.]+)ms$/\1/; s/([0-9.]+)s$/\1e3/' | awk '{printf "%.2f\n", $1}'; }
  echo "$name: median p50 $(printf '%s\n' "${p50s[@]}" | to_ms | median) ms," \
    "p99 $(printf '%s\n' "${p99s[@]}" | to_ms | median) ms," \
    "$(printf '%s\n' "${rpss[@]}" | median) req/s (wrk -t2 -c2, ${secs}s x $runs)"
done

echo "== plans (auto_explain of the statements parley sent)"
psql -X -q -v ON_ERROR_STOP=1 "$url" <<'SQL'
CREATE ROLE explain LOGIN SUPERUSER;
ALTER ROLE explain SET session_preload_libraries = 'auto_explain';
ALTER ROLE explain SET auto_explain.log_min_duration = 0;
ALTER ROLE explain SET auto_explain.log_analyze = on;
ALTER ROLE explain SET auto_explain.log_buffers = on;
SQL
explain_url=${url/postgres@/explain@}
start_parley "$explain_port" "$explain_url" "$work/explain.log"
ebase="http://127.0.0.1:$explain_port"
ecookie=$(bench_session_cookie "$ebase" ada@example.com)
pglog="$work/pg/server.log"
# auto_explain writes "LOG:  duration: … plan:" and the plan on the lines
# after it; the blocks of statements on users and usage_daily are printed.
plans_since() {
  tail -n +"$(($1 + 1))" "$pglog" | awk '
    / LOG: / { if (keep) printf "%s", block; block = ""; keep = 0; inplan = /plan:/ }
    inplan { block = block $0 "\n"; if (/Query Text:.*(FROM users|usage_daily)/) keep = 1 }
    END { if (keep) printf "%s", block }'
}
for name in "${order[@]}"; do
  before=$(wc -l <"$pglog")
  curl -s -o /dev/null -H "Cookie: parley.session=$ecookie" "$ebase${pages[$name]}"
  sleep 0.2
  echo "-- $name"
  plans_since "$before"
done
