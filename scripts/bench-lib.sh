# Shared by scripts/bench*.sh (sourced): a work directory removed at exit,
# the processes started (in `pids`) stopped, the private PostgreSQL in
# "$work/pg" stopped, and small helpers. Loopback only.
#   bench_setup <name>   sets `work` and the EXIT trap
#   bench_require <make target> <executable>...   stops when one is missing
#   bench_session_cookie <parley base> <login hint>   signs in, prints the cookie
bench_setup() {
  work=$(mktemp -d "/tmp/parley-$1-XXXXXX")
  chmod 755 "$work"
  pids=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ./scripts/pg.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
bench_require() {
  local target=$1 exe
  shift
  for exe in "$@"; do
    [[ -x $exe ]] || { echo "$(basename "$0"): $exe is missing: make $target builds it" >&2; exit 1; }
  done
}
# Signs in like a browser (the full OIDC flow; login_hint skips the mock's
# picker) and prints the session cookie's value.
bench_session_cookie() {
  local base=$1 who=$2 jar authorize callback cookie
  jar=$(mktemp "$work/jar.XXXXXX")
  authorize=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' \
    "$base/api/auth/signin/microsoft-entra-id")
  callback=$(curl -s -o /dev/null -w '%{redirect_url}' "$authorize&login_hint=${who/@/%40}")
  curl -s -c "$jar" -b "$jar" -o /dev/null "$callback"
  cookie=$(awk '$6=="parley.session" {print $7}' "$jar")
  [[ -n $cookie ]] || { echo "sign-in of $who failed" >&2; return 1; }
  echo "$cookie"
}
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 200); do curl -fs -o /dev/null "$1" && return 0; sleep 0.05; done; return 1; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
