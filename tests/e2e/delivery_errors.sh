#!/usr/bin/env bash
# End to end: what a refused delivery says and what an empty diff does.
# An SMTP server refusing the recipient ("554 5.7.1 relay denied") and a
# webhook answering 503 are reported with the server's own reply (in the log
# and in `outbox list`), not libcurl's generic text; a diff with no change is
# not mailed unless the channel sets send_empty = true. Secrets (a webhook's
# token in its path, the HMAC key, user info, the SMTP password) appear
# neither in the log nor anywhere in the database after every channel failed.
# Usage: delivery_errors.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; src="$(cd "$2" && pwd)"
rx="$src/tests/e2e/receivers"
PY=/usr/bin/python3
cap_a="$src/pcaps/factory_sample.pcapng"; cap_b="$src/pcaps/melsec_omron.pcapng"
[ -f "$cap_a" ] && [ -f "$cap_b" ] || { echo "skip: sample captures missing"; exit 77; }
"$PY" -c 'import aiosmtpd' 2>/dev/null || { echo "skip: python3-aiosmtpd missing"; exit 77; }
tmp="$(mktemp -d)"
declare -A pid
cleanup() { for p in "${pid[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp"
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() {  # start NAME SCRIPT ARGS...: runs a receiver, waits until it listens
  local name="$1" script="$2"; shift 2
  "$PY" "$rx/$script" "$@" --ready "ready.$name" >"log.$name" 2>&1 &
  pid[$name]=$!
  for _ in $(seq 100); do [ -f "ready.$name" ] && return 0; sleep 0.1; done
  echo "receiver $name did not start:"; cat "log.$name"; return 1
}
m() { "$bin" --config mieruka.toml --db ledger.db "$@"; }
smtp=$(free_port); http=$(free_port); smtp_ok=$(free_port)
cat >mieruka.toml <<TOML
sensor_name = "e2e-errors"
[[channel]]
name = "mail"
type = "smtp"
url = "smtp://127.0.0.1:$smtp"
starttls = "none"
from = "mieruka@plant.example"
to = ["it@plant.example"]
kinds = ["diff"]
[[channel]]
name = "hook"
type = "webhook"
url = "http://127.0.0.1:$http/in"
secret = "k"
kinds = ["diff"]
[[channel]]
name = "quiet"
type = "smtp"
url = "smtp://127.0.0.1:$smtp_ok"
starttls = "none"
from = "mieruka@plant.example"
to = ["it@plant.example"]
kinds = ["diff"]
[[channel]]
name = "reports"
type = "smtp"
url = "smtp://127.0.0.1:$smtp_ok"
starttls = "none"
from = "mieruka@plant.example"
to = ["ot@plant.example"]
kinds = ["diff"]
send_empty = true
TOML
m config check >/dev/null 2>err.txt; check "config check accepts send_empty" test $? -eq 0
m read -q "$cap_a" && m snapshot --name a >/dev/null 2>&1
m read -q "$cap_b" && m snapshot --name b >/dev/null 2>&1 && m snapshot --name c >/dev/null 2>&1
start smtp smtp_receiver.py --port "$smtp" --out mail --reject "554 5.7.1 relay denied"
start http http_receiver.py --port "$http" --out hook --status 503
start smtp_ok smtp_receiver.py --port "$smtp_ok" --out ok

# 1. A diff with changes, refused by both servers: their own reasons are kept.
m outbox enqueue-diff --from a --to b 2>/dev/null
m outbox deliver 2>d1.txt
last_error() { m outbox list --format json | "$PY" -c 'import json,sys; print(next(r["last_error"] for r in json.load(sys.stdin) if r["channel"] == sys.argv[1]))' "$1"; }
e_mail=$(last_error mail); e_hook=$(last_error hook)
check "smtp: the server's reply ($e_mail)" sh -c 'echo "$1" | grep -q "554 5.7.1 relay denied"' _ "$e_mail"
check "webhook: the status and its reason ($e_hook)" sh -c 'echo "$1" | grep -q "HTTP 503 Service Unavailable"' _ "$e_hook"
check "the log says the same" sh -c 'grep -q "554 5.7.1 relay denied" d1.txt && grep -q "HTTP 503 Service Unavailable" d1.txt'

# 2. b -> c has no change: only the channel asking for "no changes" reports gets it.
m outbox enqueue-diff --from b --to c 2>q2.txt
m outbox deliver 2>d2.txt
check "a -> b went to both good channels, b -> c only to send_empty" test "$(ls ok/*.eml 2>/dev/null | wc -l)" -eq 3
check "  it@ (quiet) got one diff" test "$(grep -l "it@plant.example" ok/*.env | wc -l)" -eq 1
check "  ot@ (reports) got two" test "$(grep -l "ot@plant.example" ok/*.env | wc -l)" -eq 2
check "the empty diff is said to be skipped" grep -q "no changes" q2.txt

# 3. Every channel fails, its server repeating the URL: no secret in the log or
#    the database (main file and WAL).
tok="T0KEN4f9c2e71b3a8"; pw="Pa55w0rd-7d1e"; key="hmac-9b2f63a1"
hook2=$(free_port); dead=$(free_port)
mkdir secrets && cd secrets
cat >mieruka.toml <<TOML
sensor_name = "e2e-secrets"
[[channel]]
name = "teams"
type = "webhook"
url = "http://127.0.0.1:$hook2/webhookb2/$tok/IncomingWebhook/$tok?sig=$tok"
secret = "$key"
kinds = ["diff"]
[[channel]]
name = "userinfo"
type = "webhook"
url = "http://relay:$pw@127.0.0.1:$dead/in"
secret = "$key"
kinds = ["diff"]
[[channel]]
name = "mail"
type = "smtp"
url = "smtp://127.0.0.1:$dead"
starttls = "none"
user = "mieruka"
password = "$pw"
from = "mieruka@plant.example"
to = ["it@plant.example"]
kinds = ["diff"]
[[channel]]
name = "siem"
type = "syslog"
url = "tcp://127.0.0.1:$dead"
kinds = ["diff"]
TOML
start hook2 http_receiver.py --port "$hook2" --out hook2 --status 404 --echo-path
m read -q "$cap_a" && m snapshot --name a >/dev/null 2>&1
m read -q "$cap_b" && m snapshot --name b >/dev/null 2>&1
m outbox enqueue-diff --from a --to b 2>/dev/null
m outbox deliver 2>d3.txt
m outbox list --format json >list3.json 2>&1
check "four channels failed" test "$("$PY" -c 'import json; print(sum(1 for r in json.load(open("list3.json")) if r["last_error"]))')" -eq 4
check "the webhook's failure names the host and the status ($(grep -m1 teams d3.txt))" \
  grep -q "http://127.0.0.1:$hook2/\*\*\*: HTTP 404" d3.txt
check "the mail channel's failure names its server" grep -q "to mail failed (attempt 1): smtp://127.0.0.1:$dead: " d3.txt
check "user info is hidden, the host kept" grep -q "http://\*\*\*@127.0.0.1:$dead/\*\*\*: " d3.txt
for s in "$tok" "$pw" "$key"; do
  check "secret $s not in the log" sh -c '! grep -q "$1" d3.txt' _ "$s"
  check "secret $s not in outbox list" sh -c '! grep -q "$1" list3.json' _ "$s"
  check "secret $s not in the database" sh -c '! grep -aq "$1" ledger.db ledger.db-wal 2>/dev/null' _ "$s"
done
cd ..
exit "$fail"
