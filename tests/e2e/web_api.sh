#!/usr/bin/env bash
# End to end: `mieruka serve` on 127.0.0.1 over a ledger read from a sample
# capture. tests/e2e/web/api_test.py checks every route against web/openapi.json
# and the security rules (401, 403, CSRF, session fixation, rate limit); this
# script also checks the server's own edges: user commands, plain HTTP refused
# off loopback, and a self-signed HTTPS certificate made on first start.
# Usage: web_api.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; src="$2"
py=/usr/bin/python3
cap="$src/pcaps/factory_sample.pcapng"
[ -f "$cap" ] || { echo "skip: sample capture missing"; exit 77; }
[ -x "$py" ] || { echo "skip: /usr/bin/python3 missing"; exit 77; }
tmp="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0
check() {  # check NAME CONDITION...
  local name="$1"; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
# start_server OUTFILE ARGS...: starts serve in the background (pid kept for the
# cleanup), waits for its URL and sets $url (empty when it did not start).
start_server() {
  local out="$1"; shift
  url=""
  "$bin" serve "$@" >"$out" 2>"$out.err" &
  pids+=($!)
  for _ in $(seq 1 100); do
    url="$(sed -n 's/^mieruka: serving \([^ ]*\) .*/\1/p' "$out" 2>/dev/null)"
    [ -n "$url" ] && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  cat "$out.err" >&2
  return 1
}

db="$tmp/m.db"
"$bin" read -q "$cap" --db "$db" >/dev/null 2>&1; check "read exits 0" test $? -eq 0
"$bin" snapshot --db "$db" --name first >/dev/null 2>&1; check "snapshot exits 0" test $? -eq 0
if [ -d "$src/../shared/advisories/csaf" ]; then
  "$bin" advisories import -q --db "$db" "$src/../shared/advisories/csaf"; check "advisories import exits 0" test $? -eq 0
fi
printf 'adminpass1\n' | "$bin" user add admin --role admin --db "$db" --password-file - 2>/dev/null
check "user add admin exits 0" test $? -eq 0
printf 'viewerpass1\n' | "$bin" user add viewer --db "$db" 2>/dev/null
check "user add viewer (password on stdin) exits 0" test $? -eq 0
printf 'short\n' | "$bin" user add tiny --db "$db" 2>"$tmp/e1"; rc=$?
check "a short password is refused with one line" sh -c "test $rc -eq 1 && test \$(wc -l <'$tmp/e1') -eq 1"
printf 'adminpass1\n' | "$bin" user add admin --role admin --db "$db" 2>"$tmp/e2"; rc=$?
check "adding an existing user exits 1" test "$rc" -eq 1
printf 'x12345678\n' | "$bin" user add 'bad name' --db "$db" 2>/dev/null; rc=$?
check "a bad user name exits 1" test "$rc" -eq 1
"$bin" user list --db "$db" >"$tmp/users.txt"
check "user list shows both with roles" sh -c "grep -q '^admin *admin' '$tmp/users.txt' && grep -q '^viewer *viewer' '$tmp/users.txt'"
check "no password or hash in user list" sh -c "! grep -qi 'argon\|pass' '$tmp/users.txt'"
printf 'temppass12\n' | "$bin" user add temp --db "$db" 2>/dev/null
"$bin" user del temp --db "$db" 2>/dev/null; check "user del exits 0" test $? -eq 0
"$bin" user del temp --db "$db" 2>/dev/null; check "user del of a missing user exits 1" test $? -eq 1

# Plain HTTP off loopback is refused before anything listens.
"$bin" serve --db "$db" --http --listen 0.0.0.0:0 >/dev/null 2>"$tmp/e3"; rc=$?
check "plain HTTP on 0.0.0.0 refused (exit 1)" test "$rc" -eq 1
check "... with one line" test "$(wc -l <"$tmp/e3")" -eq 1
"$bin" serve --db "$db" --listen nonsense >/dev/null 2>"$tmp/e4"; rc=$?
check "a bad --listen exits 1" test "$rc" -eq 1

# HTTPS with a self-signed certificate made on first start (key 0600).
start_server "$tmp/tls.out" --db "$db" --listen 127.0.0.1:0; url_tls="$url"
check "HTTPS server starts" test -n "$url_tls"
check "self-signed certificate written" test -s "$tmp/web-cert.pem"
check "private key mode 0600" test "$(stat -c %a "$tmp/web-key.pem" 2>/dev/null)" = 600
"$py" - "$url_tls" <<'PY' >"$tmp/tls.txt" 2>&1
import http.client, ssl, sys, urllib.parse, json
u = urllib.parse.urlparse(sys.argv[1])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=30)
c.request("POST", "/api/v1/login", body=json.dumps({"user": "viewer", "password": "viewerpass1"}),
          headers={"Content-Type": "application/json"})
r = c.getresponse(); r.read()
print(r.status, r.getheader("Set-Cookie"), r.getheader("Strict-Transport-Security"))
PY
check "HTTPS login sets a Secure cookie" grep -q '^200 .*Secure' "$tmp/tls.txt"
check "HTTPS sends HSTS" grep -q 'max-age' "$tmp/tls.txt"

# The API over plain HTTP on loopback.
printf 'mac,ip,name\r\n' >"$tmp/approved.csv"
cp "$tmp/approved.csv" "$tmp/approved_cli.csv"
start_server "$tmp/http.out" --db "$db" --http --listen 127.0.0.1:0 --approved "$tmp/approved.csv"
check "HTTP server starts on loopback" test -n "$url"
"$py" "$src/tests/e2e/web/api_test.py" "$url" "$src/web/openapi.json" "$bin" "$db" "$tmp"
check "api_test.py" test $? -eq 0
exit $fail
