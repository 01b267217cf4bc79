#!/usr/bin/env bash
# Soak (a benchmark-style run, minutes long; not a CI test) of the daemon's
# crash safety: `mieruka run` with a snapshot every minute and a webhook channel
# is killed with SIGKILL KILLS times at seeded random moments and restarted each
# time, while new devices keep appearing on its capture interface.
#
# Setup: a veth pair whose far end is in a network namespace of our own; a
# generator there sends Ethernet/IPv4/UDP frames from a new device (MAC
# 02:4d:SS:xx:xx:xx, SS from the seed) every 0.2 s and re-sends one frame for
# every earlier device about every 3 s. The webhook receiver
# (tests/e2e/receivers/http_receiver.py) writes each message it accepts to disk
# (fsync) and answers 0.25 s later, so a kill can fall between the receiver's
# acceptance and the outbox marking the row sent.
#
# The kills, from random.Random(SEED):
#   ingest    at 1..10 s after a start, away from a minute boundary;
#   snapshot  at -0.05..+0.3 s around a minute boundary (the scheduled snapshot,
#             its flush and the diff queued for the channel);
#   delivery  instead of a snapshot kill (50 %): 0..0.4 s after the run logged
#             "queued for" at the boundary (the POST in flight);
#   startup   1 to 4 kills, each 0.02..0.8 s after a start, following a snapshot
#             or delivery kill (the catch-up snapshot, the newest diff queued
#             again, the unsent row sent again).
# Which windows the kills really hit is read back from the runs' logs: a start
# that queues the newest diff before planning its next snapshot follows a run
# killed between a snapshot and its diff; a start logging a catch-up without
# the snapshot line after it was killed inside the catch-up; a message received
# twice was accepted by the receiver in a run killed before it marked it sent.
# After the last kill the generator stops, the daemon runs until a scheduled
# snapshot taken after the last frame has its diff sent, and stops on SIGTERM.
#
# The check (any violation fails; exit 1):
#  1. PRAGMA integrity_check is "ok" for every *.db in the data directory, after
#     every kill and at the end.
#  2. Delivery: every outbox row is sent; every sent diff row's id reached the
#     receiver; a message received more than once carries the same id and the
#     same body each time (docs/delivery.md: at-least-once, a resend after an
#     unseen acceptance carries the same id). Duplicates are counted.
#  3. Chain: the distinct delivered diffs, ordered by their "to" time, form one
#     unbroken chain: each diff's "from" is the previous diff's "to", and the
#     last "to" is the newest scheduled snapshot in the database. A diff lost
#     (snapshot taken, diff never delivered) breaks the chain.
#     A scheduled snapshot of the empty ledger (sched-base) is saved before the
#     first start, so the chain starts there and every device is new in it.
#  4. Devices: the slot of a diff is the minute its "to" snapshot was due, i.e.
#     its to_time floored to the minute (the schedule is "every 1m"). For every
#     asset of the final ledger with first_us before the last diff's slot, let k
#     be the first diff whose slot is after first_us: the asset is among the
#     new_assets of exactly one distinct diff, and that diff is k or an earlier
#     one (a device seen just after a slot may already be in that slot's
#     snapshot). A device that appeared before a slot and was reported only by a
#     later diff, or never, fails.
# Needs root (network namespace, capture, privilege drop to `nobody`).
# Usage: bench/kill_soak.sh BUILD_DIR [KILLS] [SEED]
set -eu
build="$(cd "$1" && pwd)"; kills="${2:-100}"; seed="${3:-1}"
bin="$build/mieruka"
[ -x "$bin" ] || { echo "build mieruka in $build first"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "kill_soak.sh needs root (network namespace, capture)"; exit 1; }
for t in ip sqlite3 /usr/bin/python3; do command -v "$t" >/dev/null || { echo "kill_soak.sh needs $t"; exit 1; }; done
src="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"; chmod 755 "$tmp"
ns="mks$$"; veth="mks$$a"; peer="mks$$b"; rxpid=""
cleanup() {
  [ -n "$rxpid" ] && kill "$rxpid" 2>/dev/null
  ip link del "$veth" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  if [ -n "${KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
ip netns add "$ns"
ip link add "$veth" type veth peer name "$peer"
ip link set "$peer" netns "$ns"
ip link set "$veth" up
ip netns exec "$ns" ip link set "$peer" up
cd "$tmp"
mkdir data hook && chown nobody data

cat >gen.py <<'PY'
import socket, struct, sys, time
iface, seed = sys.argv[1], int(sys.argv[2]) & 0xFF
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
def csum(b):
    t = sum(struct.unpack("!10H", b))
    t = (t >> 16) + (t & 0xFFFF)
    return (~(t + (t >> 16))) & 0xFFFF
def frame(n):
    src_mac = bytes([0x02, 0x4d, seed, (n >> 16) & 255, (n >> 8) & 255, n & 255])
    dst_mac = bytes([0x02, 0x4d, 0xff, 0, 0, 1])
    src_ip = bytes([10, 1 + (n >> 16) % 250, (n >> 8) & 255, (n & 255) or 1])
    payload = b"mieruka kill soak %d" % n
    udp = struct.pack("!HHHH", 40000 + n % 1000, 502, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n & 0xFFFF, 0, 64, 17, 0, src_ip, bytes([10, 255, 0, 1]))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return dst_mac + src_mac + b"\x08\x00" + hdr + udp
devices, refresh, start = 0, 0, time.monotonic()
while True:
    due = int((time.monotonic() - start) / 0.2) + 1  # one new device every 0.2 s
    while devices < due:
        s.send(frame(devices))
        devices += 1
    for _ in range(devices // 60 + 1):  # every device again about every 3 s (20 ticks a second)
        s.send(frame(refresh % devices))
        refresh += 1
    time.sleep(0.05)
PY

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >daemon.toml <<TOML
sensor_name = "kill-soak"
user = "nobody"
data_dir = "$tmp/data"
timezone = "UTC"
[capture]
interfaces = ["$veth"]
flush_interval_s = 1
buffer_mb = 4
[snapshots]
schedule = "every 1m"
[[channel]]
name = "hook"
type = "webhook"
url = "http://127.0.0.1:$port/in"
secret = "k"
send_empty = true
TOML
chmod 644 daemon.toml
# A first run creates the database; the first scheduled snapshot is then the
# empty ledger, so that every device is new in some diff.
"$bin" run --config daemon.toml 2>run000.txt &
first=$!
for _ in $(seq 100); do grep -q "running:" run000.txt && break; sleep 0.1; done
kill -TERM "$first"; wait "$first"
"$bin" --config daemon.toml snapshot --name sched-base >/dev/null
chown -R nobody data
/usr/bin/python3 "$src/tests/e2e/receivers/http_receiver.py" --port "$port" --out hook --ready ready.http \
  --delay 0.25 >/dev/null 2>&1 &
rxpid=$!
for _ in $(seq 100); do [ -f ready.http ] && break; sleep 0.1; done

/usr/bin/python3 - "$bin" "$kills" "$seed" "$ns" "$peer" <<'PY'
import glob, json, os, random, signal, sqlite3, subprocess, sys, time
from datetime import datetime, timezone

bin_, kills, seed, ns, peer = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rng = random.Random(seed)
db = "data/mieruka.db"
problems = []
started = time.time()

def integrity(when):
    for path in sorted(glob.glob("data/*.db")):
        out = subprocess.run(["sqlite3", path, "PRAGMA integrity_check"], capture_output=True, text=True).stdout.strip()
        if out != "ok":
            problems.append("%s: integrity_check after %s: %s" % (path, when, out[:200]))

runs = [0]
def start():
    runs[0] += 1
    log = open("run%03d.txt" % runs[0], "w")
    p = subprocess.Popen([bin_, "run", "--config", "daemon.toml"], stdout=log, stderr=subprocess.STDOUT)
    p.log_path = log.name
    p.t0 = time.time()
    return p

def kill(p):
    p.send_signal(signal.SIGKILL)
    p.wait()
    return p.returncode

def until_boundary():
    return 60.0 - (time.time() % 60.0)

def log_count(p, text):
    return open(p.log_path, errors="replace").read().count(text)

def wait_log(p, text, timeout, count=1):
    end = time.time() + timeout
    while time.time() < end:
        if log_count(p, text) >= count:
            return True
        if p.poll() is not None:
            return False
        time.sleep(0.01)
    return False

gen = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3", "gen.py", peer, str(seed)])
counts = {"ingest": 0, "snapshot": 0, "startup": 0, "delivery": 0}
p = start()
startups = 0  # startup kills still to do after a snapshot kill
for i in range(kills):
    if startups > 0:
        mode = "startup"
        time.sleep(max(0.0, p.t0 + rng.uniform(0.02, 0.8) - time.time()))
        startups -= 1
    elif until_boundary() < 11.0:
        time.sleep(max(0.0, until_boundary() - 0.05))
        if rng.random() < 0.5 and wait_log(p, "queued for", 3.0, log_count(p, "queued for") + 1):
            mode = "delivery"
            time.sleep(rng.uniform(0.0, 0.4))
        else:
            mode = "snapshot"
            time.sleep(rng.uniform(0.0, 0.35))
        startups = rng.randint(1, 4)
    else:
        mode = "ingest"
        time.sleep(max(0.0, p.t0 + rng.uniform(1.0, 10.0) - time.time()))
    if p.poll() is not None:
        problems.append("run %d exited by itself (%s) before kill %d; see %s" % (runs[0], p.returncode, i + 1, p.log_path))
    kill(p)
    counts[mode] += 1
    integrity("kill %d (%s)" % (i + 1, mode))
    p = start()

# The last run: no new frames; a scheduled snapshot after the last frame, its diff sent.
gen.send_signal(signal.SIGKILL)
gen.wait()
stopped = time.time()
deadline = stopped + 200
done = False
while time.time() < deadline and p.poll() is None:
    time.sleep(1)
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        name, last = con.execute("SELECT name, taken_us FROM snapshots WHERE name LIKE 'sched-%' "
                                 "ORDER BY taken_us DESC, name DESC LIMIT 1").fetchone()
    finally:
        con.close()
    if last / 1e6 > stopped + 2 and any(json.load(open(b)).get("to") == name for b in glob.glob("hook/*.body")):
        time.sleep(1)
        done = True
        break
if not done:
    problems.append("the last run did not send a diff taken after the traffic stopped within 200 s (see %s)" % p.log_path)
p.send_signal(signal.SIGTERM)
if p.wait() != 0:
    problems.append("the last run exited %s on SIGTERM" % p.returncode)
integrity("the end")

# --- the check ----------------------------------------------------------------
def parse_t(s):
    return datetime.strptime(s.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp() * 1e6 \
        if "." in s else datetime.strptime(s.rstrip("Z"), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp() * 1e6

received = {}  # id -> body
duplicates = 0
for meta in sorted(glob.glob("hook/*.json")):
    body_path = meta[:-5] + ".body"
    if not os.path.exists(body_path):
        continue
    headers = json.load(open(meta))["headers"]
    mid = headers.get("X-Mieruka-Id", "")
    body = open(body_path, "rb").read()
    if headers.get("X-Mieruka-Kind", "diff") != "diff":
        continue
    if mid in received:
        duplicates += 1
        if received[mid] != body:
            problems.append("id %s received twice with different bodies" % mid)
        continue
    received[mid] = body

con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
rows = con.execute("SELECT id, kind, sent_us FROM outbox").fetchall()
for mid, kind, sent in rows:
    if sent is None:
        problems.append("outbox row %s (%s) never sent" % (mid, kind))
    elif kind == "diff" and mid not in received:
        problems.append("outbox row %s marked sent but never received" % mid)
ids = {r[0] for r in rows}
for mid in received:
    if mid not in ids:
        problems.append("received %s, which is no outbox row" % mid)
newest = con.execute("SELECT name FROM snapshots WHERE name LIKE 'sched-%' ORDER BY taken_us DESC, name DESC LIMIT 1").fetchone()
assets = con.execute("SELECT id, first_us FROM assets").fetchall()
con.close()

diffs = sorted((json.loads(b) for b in received.values()), key=lambda d: parse_t(d["to_time"]))
for a, b in zip(diffs, diffs[1:]):
    if b["from"] != a["to"]:
        problems.append("chain broken: %s -> %s, then %s -> %s" % (a["from"], a["to"], b["from"], b["to"]))
if not diffs:
    problems.append("no diff was delivered")
elif newest is None or diffs[-1]["to"] != newest[0]:
    problems.append("the newest scheduled snapshot %s has no delivered diff (last delivered: %s)"
                    % (newest[0] if newest else None, diffs[-1]["to"]))
slots = [int(parse_t(d["to_time"]) // 60_000_000) * 60_000_000 for d in diffs]
reported = {}  # asset id -> indices of the diffs listing it as new
for k, d in enumerate(diffs):
    for a in d["new_assets"]:
        reported.setdefault(a["id"], []).append(k)
checked = late = lost = twice = 0
nearest_before, latest_after = None, None  # ms: how close to a slot the check reached
for aid, first in assets:
    if not slots or first >= slots[-1]:
        continue
    checked += 1
    k = next(j for j, s in enumerate(slots) if s > first)
    got = reported.get(aid, [])
    if not got:
        lost += 1
        problems.append("asset %s (first seen %s) is in no delivered diff; its slot's diff is %s -> %s"
                        % (aid, datetime.fromtimestamp(first / 1e6, timezone.utc).isoformat(), diffs[k]["from"], diffs[k]["to"]))
    elif len(got) > 1:
        twice += 1
        problems.append("asset %s is new in %d diffs" % (aid, len(got)))
    elif got[0] > k:
        late += 1
        problems.append("asset %s (first seen %s) is in the diff to %s, not in its slot's diff to %s"
                        % (aid, datetime.fromtimestamp(first / 1e6, timezone.utc).isoformat(), diffs[got[0]]["to"], diffs[k]["to"]))
    elif got[0] == k:
        ms = (slots[k] - first) / 1000
        nearest_before = ms if nearest_before is None else min(nearest_before, ms)
    else:
        ms = (first - slots[got[0]]) / 1000
        latest_after = ms if latest_after is None else max(latest_after, ms)

print("seed %d: %d kills (%s) in %.0f s, %d runs" % (seed, kills, ", ".join("%s %d" % kv for kv in counts.items()),
                                                   time.time() - started, runs[0]))
requeued = caught_up = cut_catch_up = 0
for path in sorted(glob.glob("run*.txt"))[2:]:  # run000 made the database, run001 is the first start
    lines = open(path, errors="replace").read().splitlines()
    head = []
    for line in lines[1:]:
        if "next scheduled snapshot at" in line or "catch-up snapshot" in line:
            break
        head.append(line)
    requeued += any("queued for" in line for line in head)
    if any("catch-up snapshot" in line for line in lines):
        caught_up += 1
        cut_catch_up += not any(line.startswith("info: scheduled snapshot sched-") for line in lines)
print("windows hit: %d kills between a snapshot and its diff; %d catch-up starts, %d of them killed before the "
      "catch-up was logged done; %d kills between acceptance and marking sent" % (requeued, caught_up, cut_catch_up, duplicates))
print("slots checked: %d diffs in one chain (%s -> %s); %d messages received twice (same id, same body)"
      % (len(diffs), diffs[0]["from"] if diffs else "-", diffs[-1]["to"] if diffs else "-", duplicates))
print("devices checked: %d of %d assets; lost %d, late %d, reported twice %d" % (checked, len(assets), lost, late, twice))
print("nearest to a slot: first seen %s ms before it and in its diff; %s ms after it and already in it"
      % ("%.1f" % nearest_before if nearest_before is not None else "-",
         "%.1f" % latest_after if latest_after is not None else "-"))
for line in problems[:50]:
    print("FAIL " + line)
if len(problems) > 50:
    print("FAIL ... %d more" % (len(problems) - 50))
print("result: " + ("FAIL" if problems else "ok"))
sys.exit(1 if problems else 0)
PY
