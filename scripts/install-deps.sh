#!/usr/bin/env bash
# Installs what Parley needs to build, test and run locally, from Debian's
# packages only. Idempotent and quick when everything is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libpq-dev postgresql-15 postgresql-client-15
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libcpp-httplib-dev
  clang libclang-rt-14-dev
  wrk curl procps
  nginx
)
# Browser tests drive Debian's chromium; container image builds skip it.
[[ "${PARLEY_NO_BROWSER:-0}" == 1 ]] || packages+=(chromium)
# `make image` / `make image-test`: daemonless OCI tools (not needed by `make test`).
[[ "${PARLEY_IMAGE_TOOLS:-0}" == 1 ]] && packages+=(buildah podman runc skopeo)
# `make bench-connections`: the PgBouncer probe (not needed by `make test`).
[[ "${PARLEY_BENCH_TOOLS:-0}" == 1 ]] && packages+=(pgbouncer)
# The manifest test renders deploy/kustomize with `kubectl kustomize`. This
# machine image already has a kubectl package (kustomize v5); elsewhere
# Debian's kubernetes-client provides one (kustomize v2.0.3, which the
# overlays are written for too).
command -v kubectl >/dev/null || packages+=(kubernetes-client)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The web UI's npm packages (build and test time only; the binary embeds the
# built files), installed from package-lock.json. `npm install`, not `npm ci`:
# vite lists a Windows-only optional dependency that the registry reachable
# here does not serve, and `npm ci` refuses a lock without it.
web=$(cd "$(dirname "$0")/../web" && pwd)
if command -v npm >/dev/null; then
  if [[ ! -f $web/node_modules/.package-lock.json || $web/package-lock.json -nt $web/node_modules/.package-lock.json ]]; then
    (cd "$web" && npm install --no-audit --no-fund --loglevel=error)
  fi
  # The manifest validator's packages (tests/deploy).
  deploy_tests=$(cd "$(dirname "$0")/../tests/deploy" && pwd)
  if [[ ! -f $deploy_tests/node_modules/.package-lock.json || $deploy_tests/package-lock.json -nt $deploy_tests/node_modules/.package-lock.json ]]; then
    (cd "$deploy_tests" && npm install --no-audit --no-fund --loglevel=error)
  fi
else
  echo "install-deps: npm (Node 20) not found; the web UI cannot be built" >&2
fi
