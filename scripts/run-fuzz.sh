#!/usr/bin/env bash
# Runs each libFuzzer target for N seconds, starting from its seed corpus in
# tests/fuzz/corpus/<target>/. New inputs go to a temporary directory (the
# committed seeds are never modified); a crash leaves its reproducer there and
# makes the script exit non-zero.
#   scripts/run-fuzz.sh <build-dir> <seconds>
# The build dir is a clang build with -DPARLEY_FUZZ=ON (see tests/fuzz/CMakeLists.txt).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <build-dir> <seconds>" >&2
  exit 2
fi
build_dir=$1
seconds=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/parley-fuzz.XXXXXX")
status=0

for target in fuzz_jws fuzz_session fuzz_redirect; do
  bin="$build_dir/tests/fuzz/$target"
  if [[ ! -x $bin ]]; then
    echo "fail $target: $bin not built (configure with clang and -DPARLEY_FUZZ=ON)" >&2
    status=1
    continue
  fi
  mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
  echo "fuzz $target for ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -max_len=20000 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$work/$target/artifacts/" \
      "$work/$target/corpus" "$repo/tests/fuzz/corpus/$target" >"$work/$target/log" 2>&1; then
    echo "fail $target: see $work/$target/log and $work/$target/artifacts/" >&2
    tail -n 40 "$work/$target/log" >&2
    status=1
  else
    grep -E '^stat::number_of_executed_units' "$work/$target/log" || true
  fi
done

if [[ $status -eq 0 ]]; then rm -rf "$work"; fi
exit $status
