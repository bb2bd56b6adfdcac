#!/usr/bin/env bash
# What appending to the audit trail adds to a request (docs/BENCHMARKS.md,
# "Audit append"): a private PostgreSQL with durable commits (fsync on, as in
# production), then tests/bench/bench_audit. Loopback only.
#   scripts/bench-audit.sh [iterations=2000] [runs=3]
set -euo pipefail
cd "$(dirname "$0")/.."
iterations=${1:-2000}
runs=${2:-3}
bin=build/release
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
bench_setup bench-audit
bench_require bench-audit "$bin/tests/bench/bench_audit"
pgport=$(free_port)
url=$(PG_EXTRA_OPTS="" ./scripts/pg.sh start "$work/pg" "$pgport")
for run in $(seq 1 "$runs"); do
  echo "== run $run (a fresh database)"
  psql -X -q "$url" -c "CREATE DATABASE bench_$run"
  "$bin/tests/bench/bench_audit" "${url%/*}/bench_$run" "$iterations"
done
