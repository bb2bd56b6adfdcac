#!/usr/bin/env bash
# `make dev`: a private PostgreSQL (data kept between runs), the mocks unless
# real endpoints are configured, and Parley on http://localhost:${PORT:-3000}.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin=${PARLEY_BUILD_DIR:-build/release}
mkdir -p .dev

# PostgreSQL refuses to run as root, and a repo under /root is unreadable to
# other users: as root the cluster lives outside the repo, owned by postgres.
if [[ $(id -u) -eq 0 ]]; then
  pgdir=${PARLEY_DEV_PGDATA:-/var/tmp/parley-dev-pg}
else
  pgdir=${PARLEY_DEV_PGDATA:-$root/.dev/pg}
fi
pgport=${PARLEY_DEV_PGPORT:-54329}

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ./scripts/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

if [[ -z "${DATABASE_URL:-}" ]]; then
  DATABASE_URL=$(./scripts/pg.sh start "$pgdir" "$pgport")
  export DATABASE_URL
fi

# A dev AUTH_SECRET generated once, kept in a git-ignored file.
if [[ -z "${AUTH_SECRET:-}" ]]; then
  [[ -s .dev/auth-secret ]] || (umask 077 && openssl rand -base64 48 | tr -d '\n' > .dev/auth-secret)
  AUTH_SECRET=$(cat .dev/auth-secret)
  export AUTH_SECRET
fi

export PORT=${PORT:-3000}
export HOSTNAME=${PARLEY_HOST:-127.0.0.1}
export AUTH_URL=${AUTH_URL:-http://localhost:$PORT}

wait_for_port_file() {
  local file=$1 pid=$2
  for _ in $(seq 1 100); do
    [[ -s $file ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

if [[ -z "${AUTH_MICROSOFT_ENTRA_ID_ISSUER:-}" ]]; then
  entra_port=${PARLEY_DEV_ENTRA_PORT:-3001}
  rm -f .dev/mock-entra.port
  "$bin/tools/mock_entra_id/mock-entra-id" --port "$entra_port" \
    --client-id parley-dev-client --client-secret parley-dev-secret \
    --redirect-uri "$AUTH_URL/api/auth/callback/microsoft-entra-id" \
    --redirect-uri "$AUTH_URL/api/auth/callback/azure-ad" \
    --redirect-uri "$AUTH_URL/api/auth/callback/entra-id" \
    --app parley-dev-service:parley-dev-service-secret:Parley.Api \
    --port-file .dev/mock-entra.port >/dev/null &
  pids+=($!)
  wait_for_port_file .dev/mock-entra.port "${pids[-1]}" || { echo "mock-entra-id did not start" >&2; exit 1; }
  export AUTH_MICROSOFT_ENTRA_ID_ISSUER="http://127.0.0.1:$entra_port/11111111-2222-3333-4444-555555555555/v2.0"
  export AUTH_MICROSOFT_ENTRA_ID_ID=parley-dev-client
  export AUTH_MICROSOFT_ENTRA_ID_SECRET=parley-dev-secret
fi

if [[ -z "${AZURE_OPENAI_ENDPOINT:-}" ]]; then
  aoai_port=${PARLEY_DEV_AOAI_PORT:-3002}
  if [[ -x "$bin/tools/mock_azure_openai/mock-azure-openai" ]]; then
    rm -f .dev/mock-aoai.port
    "$bin/tools/mock_azure_openai/mock-azure-openai" --port "$aoai_port" --api-key parley-dev-key \
      --port-file .dev/mock-aoai.port >/dev/null &
    pids+=($!)
    wait_for_port_file .dev/mock-aoai.port "${pids[-1]}" || { echo "mock-azure-openai did not start" >&2; exit 1; }
  fi
  export AZURE_OPENAI_ENDPOINT="http://127.0.0.1:$aoai_port"
  export AZURE_OPENAI_DEPLOYMENT=${AZURE_OPENAI_DEPLOYMENT:-gpt-4o-mini}
  export AZURE_OPENAI_API_KEY=${AZURE_OPENAI_API_KEY:-parley-dev-key}
  # Two models, so that the chat's model picker shows: the mock answers any
  # deployment name (docs/MOCKS.md).
  if [[ -z "${PARLEY_MODELS:-}" && $AZURE_OPENAI_DEPLOYMENT != gpt-4o ]]; then
    export PARLEY_MODELS="$AZURE_OPENAI_DEPLOYMENT=$AZURE_OPENAI_DEPLOYMENT,gpt-4o=gpt-4o"
  fi
fi

echo "Parley: http://localhost:$PORT"
"$bin/src/app/parley" serve &
pids+=($!)
wait "${pids[-1]}"
