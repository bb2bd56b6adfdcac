#!/usr/bin/env bash
# A local PostgreSQL cluster for development and tests.
#
#   scripts/pg.sh start <datadir> <port>   initdb if needed, start, print DATABASE_URL
#   scripts/pg.sh stop <datadir>           stop (fast mode); no-op when not running
#   scripts/pg.sh status <datadir>         exit 0 when running
#
# The cluster trusts local and loopback connections only (it listens on
# 127.0.0.1) and keeps its data between runs. The unix socket lives next to
# the data directory in "<datadir>.sock". Environment:
#   PG_EXTRA_OPTS     extra server options for tests, e.g. "-c fsync=off"
#   PG_INITDB_OPTS    extra initdb options for tests, e.g. "--no-sync"
#   PG_TEMPLATE       tests: a directory holding a pristine initdb result that
#                     new clusters are copied from (created on first use), so
#                     each throwaway cluster skips the ~1 s initdb
#   PG_BIN            directory of initdb/pg_ctl (default: newest /usr/lib/postgresql/*/bin)
#
# PostgreSQL refuses to run as root: as root, the server runs as the
# `postgres` system user, so the data directory must be somewhere that user
# can reach (e.g. /var/tmp/parley-dev-pg, not under /root or /work).
set -euo pipefail

die() { echo "pg.sh: $*" >&2; exit 1; }

[ $# -ge 2 ] || die "usage: pg.sh start <datadir> <port> | stop <datadir> | status <datadir>"
cmd=$1
datadir=$(realpath -m -- "$2")
sockdir="${datadir}.sock"
logfile="${datadir}/server.log"

if [ -z "${PG_BIN:-}" ]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
fi
[ -x "${PG_BIN}/pg_ctl" ] || die "PostgreSQL server binaries not found (set PG_BIN)"

as_root=0
[ "$(id -u)" = 0 ] && as_root=1

# Runs a PostgreSQL tool as the user that owns the cluster, from a directory
# that user can read (the caller's cwd may be closed to it).
run_pg() {
  if [ "$as_root" = 1 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

is_running() {
  [ -f "${datadir}/postmaster.pid" ] && run_pg "${PG_BIN}/pg_ctl" -D "$datadir" status >/dev/null 2>&1
}

running_port() { sed -n 4p "${datadir}/postmaster.pid"; }

print_url() { echo "postgres://postgres@127.0.0.1:$1/parley"; }

prepare_dirs() {
  mkdir -p "$datadir" "$sockdir" || die "cannot create $datadir"
  if [ "$as_root" = 1 ]; then
    chown postgres:postgres "$datadir" "$sockdir"
    if ! runuser -u postgres -- test -w "$datadir" -a -x "$datadir" 2>/dev/null; then
      die "running as root: the postgres user cannot reach $datadir; use a directory it can traverse, e.g. /var/tmp/parley-dev-pg"
    fi
  fi
  chmod 700 "$datadir"
}

run_initdb() {
  # shellcheck disable=SC2086
  run_pg "${PG_BIN}/initdb" -D "$1" -U postgres -A trust -E UTF8 --locale=C \
    ${PG_INITDB_OPTS:-} >"$1.initdb.log" 2>&1 \
    || { cat "$1.initdb.log" >&2; die "initdb failed"; }
  rm -f "$1.initdb.log"
}

# One pristine cluster per template path, built once under a lock and
# renamed into place when complete.
ensure_template() {
  PG_TEMPLATE="${PG_TEMPLATE}-pg$(basename "$(dirname "$PG_BIN")")"
  [ -f "${PG_TEMPLATE}/PG_VERSION" ] && return 0
  exec 9>"${PG_TEMPLATE}.lock"
  flock 9
  if [ ! -f "${PG_TEMPLATE}/PG_VERSION" ]; then
    local tmp="${PG_TEMPLATE}.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    chmod 700 "$tmp"
    [ "$as_root" = 1 ] && chown postgres:postgres "$tmp"
    run_initdb "$tmp"
    mv "$tmp" "$PG_TEMPLATE"
  fi
  flock -u 9
  exec 9>&-
}

case "$cmd" in
  start)
    [ $# -ge 3 ] || die "usage: pg.sh start <datadir> <port>"
    port=$3
    if is_running; then
      print_url "$(running_port)"
      exit 0
    fi
    prepare_dirs
    if [ ! -f "${datadir}/PG_VERSION" ]; then
      if [ -n "${PG_TEMPLATE:-}" ]; then
        ensure_template
        cp -a "${PG_TEMPLATE}/." "${datadir}/"
      else
        run_initdb "$datadir"
      fi
    fi
    opts="-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${sockdir} ${PG_EXTRA_OPTS:-}"
    if ! run_pg "${PG_BIN}/pg_ctl" -D "$datadir" -l "$logfile" -o "$opts" -w -t 60 start >/dev/null; then
      tail -n 20 "$logfile" >&2 || true
      die "server did not start (log: $logfile)"
    fi
    for _ in $(seq 1 300); do
      if run_pg "${PG_BIN}/pg_isready" -q -h "$sockdir" -p "$port"; then break; fi
      sleep 0.1
    done
    run_pg "${PG_BIN}/pg_isready" -q -h "$sockdir" -p "$port" || die "server is not accepting connections"
    exists=$(run_pg "${PG_BIN}/psql" -X -q -h "$sockdir" -p "$port" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'parley'")
    if [ "$exists" != 1 ]; then
      run_pg "${PG_BIN}/psql" -X -q -h "$sockdir" -p "$port" -U postgres -d postgres \
        -c "CREATE DATABASE parley" >/dev/null
    fi
    print_url "$port"
    ;;
  stop)
    if is_running; then
      run_pg "${PG_BIN}/pg_ctl" -D "$datadir" -m fast -w -t 60 stop >/dev/null
    fi
    ;;
  status)
    is_running
    ;;
  *)
    die "unknown command: $cmd"
    ;;
esac
