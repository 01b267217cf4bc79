#!/usr/bin/env bash
# Crash safety: `mieruka run` capturing a flood of new
# devices on a veth pair (the far end in a network namespace of our own) is
# killed with SIGKILL while it ingests, five times at different moments of its
# 1-second flush cycle (counted from the flood's start). After each kill: PRAGMA integrity_check is ok, the ledger
# opens (`mieruka assets`), nothing already flushed is lost (the asset count never
# goes down), the outbox table (migration v4) still holds the message put there
# before the first run, byte for byte, and the next run starts and continues.
# Needs root (network namespace, capture, privilege drop); skipped (77) otherwise.
# Usage: daemon_crash.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$1"
if [ "$(id -u)" -ne 0 ]; then echo "skipped: the crash test needs root"; exit 77; fi
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 not installed"; exit 77; }
command -v ip >/dev/null || { echo "skipped: ip (iproute2) not installed"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "skipped: /usr/bin/python3 not installed"; exit 77; }
tmp="$(mktemp -d)"
ns="mkr$$"
veth="mkr$$a"
peer="mkr$$b"
pid=""
gen=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  [ -n "$gen" ] && kill -9 "$gen" 2>/dev/null
  ip link del "$veth" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
if ! ip netns add "$ns" 2>/dev/null; then echo "skipped: cannot create a network namespace here"; exit 77; fi
ip link add "$veth" type veth peer name "$peer" && ip link set "$peer" netns "$ns" && ip link set "$veth" up &&
  ip netns exec "$ns" ip link set "$peer" up || { echo "FAIL cannot set up the veth pair"; exit 1; }
chmod 755 "$tmp"
cd "$tmp" || exit 1
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }
alive() { kill -0 "$pid" 2>/dev/null; }
wait_for() { for _ in $(seq 1 $(($2 * 10))); do grep -q "$3" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
db=data/mieruka.db
sql() { sqlite3 "$db" "$1"; }

# The flood: Ethernet/IPv4/UDP frames from ever new MACs and addresses (a new
# asset and link each), about 2000 per second, until killed. Seeded per round.
cat >flood.py <<'PY'
import socket, struct, sys, time
iface, seed = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
open("flood_started", "w").write("started\n")
def csum(b):
    t = sum(struct.unpack("!10H", b))
    t = (t >> 16) + (t & 0xFFFF)
    return (~(t + (t >> 16))) & 0xFFFF
i = 0
while True:
    n = seed * 1000000 + i
    src_mac = bytes([0x02, 0x4d, (n >> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255])
    dst_mac = bytes([0x02, 0x4d, 0, 0, 0, 1])
    src_ip = bytes([10, (n >> 16) & 255, (n >> 8) & 255, n & 255 or 1])
    dst_ip = bytes([10, 255, 0, 1])
    payload = b"mieruka crash test %d" % n
    udp = struct.pack("!HHHH", 40000 + (n % 1000), 502 + (n % 7), 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xFFFF, 0, 64, 17, 0, src_ip, dst_ip)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    try:
        s.send(dst_mac + src_mac + b"\x08\x00" + hdr + udp)
    except OSError:
        pass
    i += 1
    if i % 100 == 0:
        time.sleep(0.05)  # about 2000 frames/s: flushes stay short on a busy box
PY

mkdir data && chown nobody data
cat >daemon.toml <<TOML
data_dir = "$tmp/data"
sensor_name = "e2e-crash"
user = "nobody"
[capture]
interfaces = ["$veth"]
flush_interval_s = 1
TOML
chmod 644 daemon.toml

# First run: creates the schema (with the outbox), then stops cleanly.
"$bin" run --config daemon.toml 2>run0.txt &
pid=$!
wait_for run0.txt 10 "running:" || true
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
check "first run exits 0" test "$rc" -eq 0
check "outbox table exists" test "$(sql "SELECT count(*) FROM sqlite_master WHERE name = 'outbox'")" -eq 1
sql "INSERT INTO outbox (id, channel, kind, created_us, subject, payload, next_attempt_us)
     VALUES ('crash-test-1', 'mail', 'diff', 1, '件名 subject', X'00FF0D0A', 2)"
# The message itself must survive every kill unchanged; its delivery state
# (attempts, next attempt, last error) is the delivery worker's to update: the
# channel it names is not in this config, so each run records a failed attempt.
outbox_row() { sql "SELECT id, channel, kind, created_us, subject, hex(payload), sent_us IS NULL FROM outbox WHERE id = 'crash-test-1'"; }
outbox_before="$(outbox_row)"

prev_assets=0
round=0
for delay in 1.8 2.05 2.6 3.45 4.9; do
  round=$((round + 1))
  "$bin" run --config daemon.toml 2>"run$round.txt" &
  pid=$!
  wait_for "run$round.txt" 10 "running:" || true
  rm -f flood_started
  ip netns exec "$ns" /usr/bin/python3 flood.py "$peer" "$round" &
  gen=$!
  wait_for flood_started 20 started || true
  sleep "$delay"
  check "round $round: daemon alive while ingesting" alive
  kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""
  kill -9 "$gen"; wait "$gen" 2>/dev/null; gen=""
  check "round $round: integrity_check ok" test "$(sql 'PRAGMA integrity_check' 2>&1)" = ok
  "$bin" assets --config daemon.toml --db "$db" --format json >"assets$round.json" 2>"assets$round.err"; rc=$?
  check "round $round: the ledger opens" test "$rc" -eq 0
  n="$(sql "SELECT count(*) FROM assets")"
  echo "     round $round: killed after ${delay}s, $n assets stored"
  check "round $round: flushed assets kept ($n >= $prev_assets)" test "$n" -ge "$prev_assets"
  prev_assets="$n"
  check "round $round: outbox row intact" test "$(outbox_row)" = "$outbox_before"
done

check "ingest progressed across the kills" test "$prev_assets" -gt 1000

# After the last kill: a run starts, continues and stops cleanly.
"$bin" run --config daemon.toml 2>final.txt &
pid=$!
wait_for final.txt 10 "running:" || true
check "restart after the kills" alive
check "restart loads the ledger" grep -q "running:.* $prev_assets assets loaded" final.txt
sleep 1.5
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
check "restart: SIGTERM exits 0" test "$rc" -eq 0
check "final integrity_check ok" test "$(sql 'PRAGMA integrity_check')" = ok
check "final outbox row intact" test "$(outbox_row)" = "$outbox_before"

if [ "$fail" -ne 0 ]; then for f in run*.txt final.txt; do echo "== $f"; tail -5 "$f"; done; fi
exit $fail
