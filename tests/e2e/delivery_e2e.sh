#!/usr/bin/env bash
# End to end: delivery to plant IT through the durable outbox, with real
# receivers on loopback (tests/e2e/receivers/): SMTP with STARTTLS and AUTH
# (aiosmtpd), a webhook (HTTP, HMAC checked), syslog over TCP and TLS (RFC 5424)
# and UDP (CEF). Then receivers down, messages kept and retried, receivers up
# again: every message arrives exactly once by id, across separate processes.
# Usage: delivery_e2e.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; src="$2"
rx="$src/tests/e2e/receivers"
PY=/usr/bin/python3
cap_a="$src/pcaps/factory_sample.pcapng"; cap_b="$src/pcaps/melsec_omron.pcapng"; cap_c="$src/pcaps/jp_controllers.pcapng"
[ -f "$cap_a" ] && [ -f "$cap_b" ] && [ -f "$cap_c" ] || { echo "skip: sample captures missing"; exit 77; }
"$PY" -c 'import aiosmtpd' 2>/dev/null || { echo "skip: python3-aiosmtpd missing"; exit 77; }
command -v openssl >/dev/null || { echo "skip: openssl missing"; exit 77; }
tmp="$(mktemp -d)"
declare -A pid
cleanup() { for p in "${pid[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp"
fail=0
check() {  # check NAME CONDITION...
  local name="$1"; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() {  # start NAME SCRIPT ARGS...: runs a receiver, waits until it listens
  local name="$1" script="$2"; shift 2
  rm -f "ready.$name"
  "$PY" "$rx/$script" "$@" --ready "ready.$name" >"log.$name" 2>&1 &
  pid[$name]=$!
  for _ in $(seq 100); do [ -f "ready.$name" ] && return 0; sleep 0.1; done
  echo "receiver $name did not start:"; cat "log.$name"; return 1
}
stop() { kill "${pid[$1]}" 2>/dev/null; wait "${pid[$1]}" 2>/dev/null; unset "pid[$1]"; }
m() { "$bin" --config mieruka.toml --db ledger.db "$@"; }
jcount() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(len(d[k]) for k in ("new_assets","vanished_assets","changed_assets","new_links","vanished_links","new_findings")))' "$1"; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1
check "self-signed certificate made" test -s cert.pem
smtp=$(free_port); http=$(free_port); tcp=$(free_port); tls=$(free_port); udp=$(free_port)
printf 'pa55 word\n' >smtp.pass
cat >mieruka.toml <<TOML
sensor_name = "e2e-sensor"
[alerts]
lang = "ja"
[[channel]]
name = "mail"
type = "smtp"
url = "smtp://127.0.0.1:$smtp"
starttls = "required"
ca_file = "cert.pem"
user = "mieruka"
password_file = "smtp.pass"
from = "mieruka@plant.example"
to = ["it@plant.example", "ot@plant.example"]
[[channel]]
name = "hook"
type = "webhook"
url = "http://127.0.0.1:$http/mieruka"
secret = "s3cr3t-鍵"
[[channel]]
name = "siem-tcp"
type = "syslog"
url = "tcp://127.0.0.1:$tcp"
kinds = ["diff"]
[[channel]]
name = "siem-tls"
type = "syslog"
url = "tls://127.0.0.1:$tls"
ca_file = "cert.pem"
kinds = ["diff"]
[[channel]]
name = "siem-udp"
type = "syslog"
url = "udp://127.0.0.1:$udp"
format = "cef"
kinds = ["diff"]
TOML
m config check >/dev/null 2>err.txt; check "config check accepts the channels" test $? -eq 0

# 1. Three snapshots a, b, c of a growing ledger.
m read -q "$cap_a" && m snapshot --name a >/dev/null 2>&1
m read -q "$cap_b" && m snapshot --name b >/dev/null 2>&1
m read -q "$cap_c" && m snapshot --name c >/dev/null 2>&1
check "snapshots a b c" test "$(m snapshot list --format json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 3
m diff --from a --to b --format json >ab.json; m diff --from a --to b --format csv >ab.csv; m diff --from a --to b >ab.txt
m diff --from b --to c --format json >bc.json; m diff --from b --to c --format csv >bc.csv; m diff --from b --to c >bc.txt
n_ab=$(jcount ab.json); n_bc=$(jcount bc.json)
check "the diffs are not empty" test "$n_ab" -gt 0 -a "$n_bc" -gt 0

start smtp smtp_receiver.py --port "$smtp" --out mail --cert cert.pem --key key.pem --require-tls --auth "mieruka:pa55 word"
start http http_receiver.py --port "$http" --out hook
start tcp syslog_receiver.py --proto tcp --port "$tcp" --out tcp.jsonl
start tls syslog_receiver.py --proto tls --port "$tls" --out tls.jsonl --cert cert.pem --key key.pem
start udp syslog_receiver.py --proto udp --port "$udp" --out udp.jsonl

# 2. Queue a -> b for every channel; queueing it again adds nothing (same ids).
m outbox enqueue-diff --from a --to b 2>q1.txt; check "enqueue-diff exits 0" test $? -eq 0
check "queued for 5 channels" grep -q "5 channel" q1.txt
m outbox enqueue-diff --from a --to b 2>q2.txt
check "queueing the same diff again adds nothing" grep -q "0 channel" q2.txt
m outbox deliver 2>d1.txt; check "deliver exits 0" test $? -eq 0
check "5 sent" grep -q "5 sent, 0 failed" d1.txt
sleep 0.5
check "one e-mail" test "$(ls mail/*.eml 2>/dev/null | wc -l)" -eq 1
check "e-mail: Japanese subject, MIME parts, CSV attachment byte-for-byte" \
  "$PY" "$rx/check_delivery.py" mail mail/0001.eml ab.json ab.csv ab.txt e2e-sensor ja
check "e-mail envelope: both recipients" sh -c 'grep -qx "it@plant.example" mail/0001.env && grep -qx "ot@plant.example" mail/0001.env'
check "webhook: HMAC verifies, body is the contract diff JSON" "$PY" "$rx/check_delivery.py" hook hook 's3cr3t-鍵' ab.json
check "syslog tcp: one RFC 5424 frame per change" "$PY" "$rx/check_delivery.py" syslog tcp.jsonl rfc5424 "$n_ab"
check "syslog tls: one RFC 5424 frame per change" "$PY" "$rx/check_delivery.py" syslog tls.jsonl rfc5424 "$n_ab"
check "syslog udp: CEF per change" "$PY" "$rx/check_delivery.py" syslog udp.jsonl cef "$n_ab"

# 3. Receivers down: b -> c is kept and retried with backoff, then delivered
# once they are back, by later processes (the outbox is in the database).
stop http; stop tcp
m outbox enqueue-diff --from b --to c 2>/dev/null
m outbox deliver 2>d2.txt; rc=$?
check "deliver with receivers down exits 1" test "$rc" -eq 1
check "3 sent, 2 failed" grep -q "3 sent, 2 failed" d2.txt
m outbox list --format json >pending.json
check "2 pending, attempt 1, error kept" "$PY" -c 'import json,sys; d=json.load(open("pending.json")); sys.exit(0 if len(d)==2 and all(x["attempts"]==1 and x["last_error"] and x["sent"] is None for x in d) else 1)'
m outbox deliver 2>d3.txt
check "nothing due before the backoff passes" grep -q "0 sent, 0 failed" d3.txt
start http http_receiver.py --port "$http" --out hook
start tcp syslog_receiver.py --proto tcp --port "$tcp" --out tcp.jsonl
m outbox retry; m outbox deliver 2>d4.txt
check "after retry: 2 sent" grep -q "2 sent, 0 failed" d4.txt
m outbox deliver 2>d5.txt
check "nothing sent twice" grep -q "0 sent, 0 failed" d5.txt
sleep 0.5
check "webhook: each diff exactly once, in order" "$PY" "$rx/check_delivery.py" hook hook 's3cr3t-鍵' ab.json bc.json
check "syslog tcp: every change of both diffs exactly once" "$PY" "$rx/check_delivery.py" syslog tcp.jsonl rfc5424 "$((n_ab + n_bc))"
check "e-mail: the second diff too" "$PY" "$rx/check_delivery.py" mail mail/0002.eml bc.json bc.csv bc.txt e2e-sensor ja
check "outbox empty" test "$(m outbox list --format json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 0
check "list --all shows the 10 sent" test "$(m outbox list --all --format json | "$PY" -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if x["sent"]))')" -eq 10

# 4. send-test through one channel, now.
m outbox send-test mail 2>/dev/null; check "send-test mail exits 0" test $? -eq 0
sleep 0.3
check "test e-mail subject decodes" "$PY" "$rx/check_delivery.py" subject mail/0003.eml "[Mieruka] e2e-sensor: テストメッセージ"
m outbox send-test nosuch 2>err2.txt; check "send-test of an unknown channel exits 1" test $? -eq 1

# 5. Wrong password: not accepted, kept.
sed -i 's/^password_file.*/password = "wrong"/' mieruka.toml
m outbox send-test mail 2>err3.txt; check "bad AUTH is a failure" test $? -eq 1
check "bad AUTH: one line" test "$(wc -l <err3.txt)" -eq 1

# 6. Config errors name file:line.
cat >bad.toml <<TOML
[[channel]]
name = "x"
type = "pigeon"
TOML
"$bin" --config bad.toml config check >/dev/null 2>err4.txt; rc=$?
check "bad channel type exits 1" test "$rc" -eq 1
check "bad channel type: file:line" grep -q "bad.toml:3:" err4.txt
cat >bad2.toml <<TOML
[[channel]]
name = "h"
type = "webhook"
url = "http://127.0.0.1:1/"
TOML
"$bin" --config bad2.toml config check >/dev/null 2>err5.txt
check "webhook without secret: file:line" grep -q "bad2.toml:1:.*secret" err5.txt
exit "$fail"
