#!/usr/bin/env bash
# Builds the web UI: `npm install` (from the lock file) when web/node_modules is missing or older than
# package-lock.json (and the same in examples/), then a type check and `vite build` into the given
# directory (default web/dist). Called by the CMake build (cmake/embed_web.cmake);
# several build trees may run it at once, so it holds a lock.
#
#   scripts/build-web.sh [out-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
web=$root/web
out=${1:-$web/dist}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac

command -v npm >/dev/null || { echo "build-web.sh: npm (Node 20) is required" >&2; exit 1; }

exec 9>"$web/.build.lock"
flock 9

stamp=$web/node_modules/.package-lock.json
if [[ ! -f $stamp || $web/package-lock.json -nt $stamp ]]; then
  echo "build-web.sh: npm install (from package-lock.json)"
  (cd "$web" && npm install --no-audit --no-fund --loglevel=error)
  touch "$stamp"
fi
# examples/ (the `openai` client the service API's end-to-end test runs).
examples=$root/examples
examples_stamp=$examples/node_modules/.package-lock.json
if [[ ! -f $examples_stamp || $examples/package-lock.json -nt $examples_stamp ]]; then
  echo "build-web.sh: npm install in examples/ (from package-lock.json)"
  (cd "$examples" && npm install --no-audit --no-fund --loglevel=error)
  touch "$examples_stamp"
fi

cd "$web"
npx --no-install tsc --noEmit
PARLEY_WEB_OUT_DIR=$out npx --no-install vite build --logLevel warn
