#!/usr/bin/env bash
# What PgBouncer (Debian's package) in transaction mode does to the ways
# Parley talks to PostgreSQL (decision 0005-deployment, "PgBouncer"):
# named prepared statements (every pooled and pipelined statement), unnamed
# statements, pipelines of each, and LISTEN. pgbench, 4 clients sharing a
# pool of 2 server connections. Loopback only; everything is stopped at exit.
#   scripts/probe-pgbouncer.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
bench_setup probe-pgbouncer
command -v pgbouncer >/dev/null || { echo "pgbouncer is missing: PARLEY_BENCH_TOOLS=1 scripts/install-deps.sh" >&2; exit 1; }
echo "$(pgbouncer --version | head -n1), transaction mode, default_pool_size 2, 4 clients"

pgport=$(free_port)
direct=$(PG_EXTRA_OPTS="-c fsync=off" ./scripts/pg.sh start "$work/pg" "$pgport")
pgbench -i -s 1 -q "$direct" >/dev/null 2>&1
bport=$(free_port)
cat >"$work/pgbouncer.ini" <<EOF
[databases]
parley = host=127.0.0.1 port=$pgport dbname=parley user=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bport
unix_socket_dir =
auth_type = trust
auth_file = $work/userlist.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 100
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
EOF
echo '"postgres" ""' >"$work/userlist.txt"
if [[ $(id -u) == 0 ]]; then
  chown postgres "$work" "$work/pgbouncer.ini" "$work/userlist.txt"
  runuser -u postgres -- pgbouncer "$work/pgbouncer.ini" >/dev/null 2>&1 &
else
  pgbouncer "$work/pgbouncer.ini" >/dev/null 2>&1 &
fi
pids+=($!)
pooled="postgres://postgres@127.0.0.1:$bport/parley"
for _ in $(seq 1 100); do psql "$pooled" -XqtAc 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.05; done

cat >"$work/pipeline.sql" <<'EOF'
\set aid random(1, 100000)
\startpipeline
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid + 1;
\endpipeline
EOF
probe() {  # <label> <pgbench args...>
  local label=$1 out
  shift
  out=$(pgbench -n -c 4 -j 1 -T 3 "$@" "$pooled" 2>&1 || true)
  if grep -q '^tps' <<<"$out" && ! grep -q 'error' <<<"$out"; then
    printf '%-44s works  (%s)\n' "$label" "$(grep '^tps' <<<"$out" | awk '{print $3 " tps"}')"
  else
    printf '%-44s FAILS  (%s)\n' "$label" "$(grep -m1 -o 'ERROR: .*' <<<"$out" || echo "${out##*$'\n'}")"
  fi
}
probe "named prepared statements (-M prepared)" -M prepared -S
probe "unnamed statements (-M extended)" -M extended -S
probe "pipeline of named prepared statements" -M prepared -f "$work/pipeline.sql"
probe "pipeline of unnamed statements" -M extended -f "$work/pipeline.sql"

# LISTEN: the server connection goes back to the pool after the statement,
# so a NOTIFY sent afterwards never reaches this client.
got=$( { echo "LISTEN parley_probe;"; sleep 1; echo "SELECT 1;"; sleep 0.5; } |
  psql "$pooled" -Xq 2>&1 & 
  sleep 0.5; psql "$direct" -XqtAc "NOTIFY parley_probe, 'hello'" >/dev/null; wait)
if grep -q 'hello' <<<"$got"; then
  printf '%-44s works\n' "LISTEN through the pool"
else
  printf '%-44s FAILS  (the notification never arrived)\n' "LISTEN through the pool"
fi
