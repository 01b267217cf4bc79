# A real PostgreSQL for the central store's tests, started on loopback in a
# temporary directory and stopped again. Sourced by tests/e2e/central_*.sh:
#   pg_require            finds initdb, pg_ctl, postgres (PATH, /usr/lib/postgresql/*/bin);
#                         missing: skip (exit 77) with a message, but fail when CI=true
#   pg_start DIR          initdb (superuser "postgres", password in $PG_DIR/super.pw,
#                         scram on TCP) and start on 127.0.0.1:$PG_PORT, socket in DIR
#   pg_stop [MODE]        pg_ctl stop -m MODE (fast by default; immediate = a crash)
#   pg_restart            start the same cluster again on the same port
#   pg_sql ARGS...        psql as the superuser over the socket
# initdb and postgres refuse to run as root: as root they run as the unprivileged
# user $PG_USER (nobody), and DIR is made theirs.

pg_find_bin() {
  local d cands=()
  if command -v initdb >/dev/null 2>&1; then cands+=("$(dirname "$(command -v initdb)")"); fi
  for d in /usr/lib/postgresql/*/bin; do cands+=("$d"); done
  for d in "${cands[@]}"; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
  done
  return 1
}

pg_require() {
  if PG_BIN="$(pg_find_bin)"; then
    PSQL="$PG_BIN/psql"; [ -x "$PSQL" ] || PSQL="$(command -v psql || true)"
    [ -n "$PSQL" ] && return 0
  fi
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL the PostgreSQL server binaries (initdb, pg_ctl, postgres, psql) are missing; CI must run this test: scripts/setup.sh installs postgresql"
    exit 1
  fi
  echo "SKIP the PostgreSQL server binaries (initdb, pg_ctl, postgres, psql) are not installed here (scripts/setup.sh installs postgresql)"
  exit 77
}

pg_as() {  # runs a server binary as the cluster's owner
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
  PG_DIR="$1/pg"
  PG_DATA="$PG_DIR/data"
  PG_SOCK="$PG_DIR/sock"
  PG_USER="${PG_USER:-nobody}"
  mkdir -p "$PG_SOCK"
  printf 'super-%s\n' "$RANDOM$RANDOM" >"$PG_DIR/super.pw"
  chmod 600 "$PG_DIR/super.pw"
  if [ "$(id -u)" -eq 0 ]; then
    # The server's user must reach its directory: the test's is root's own.
    chmod 711 "$1"
    chown -R "$PG_USER" "$PG_DIR"
  fi
  if ! (cd "$PG_DIR" && pg_as "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$PG_DIR/super.pw" \
          --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync) >"$PG_DIR/initdb.log" 2>&1; then
    echo "FAIL initdb failed:"; cat "$PG_DIR/initdb.log"; exit 1
  fi
  [ "$(id -u)" -eq 0 ] && chown root "$PG_DIR/super.pw"
  PG_PORT="$(pg_free_port)"
  pg_restart
}

pg_restart() {
  if ! (cd "$PG_DIR" && pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/server.log" -w -t 60 \
          -o "-k $PG_SOCK -h 127.0.0.1 -p $PG_PORT -F" start) >"$PG_DIR/pg_ctl.log" 2>&1; then
    echo "FAIL the test's PostgreSQL did not start:"; cat "$PG_DIR/pg_ctl.log" "$PG_DIR/server.log"; exit 1
  fi
}

pg_stop() {
  [ -n "${PG_DATA:-}" ] || return 0
  (cd "$PG_DIR" && pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -m "${1:-fast}" -w -t 60 stop) >/dev/null 2>&1 || true
}

pg_sql() {
  "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres "$@"
}
