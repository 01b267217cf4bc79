#!/usr/bin/env bash
# End to end: the daemon on a full disk (a small tmpfs holds data_dir). Flushes
# fail and the log says how many changed assets and links are in memory only;
# once space is freed the backlog is stored; a SIGTERM while the disk is still
# full exits non-zero naming how much is lost. Traffic is a sample capture
# replayed onto lo (tcpreplay).
# Needs root (mount, live capture, privilege drop) and tcpreplay; skipped (77) otherwise.
# Usage: daemon_disk_full.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; src="$(cd "$2" && pwd)"
if [ "$(id -u)" -ne 0 ]; then echo "skipped: needs root"; exit 77; fi
command -v tcpreplay >/dev/null || { echo "skipped: needs tcpreplay"; exit 77; }
cap_a="$src/pcaps/factory_sample.pcapng"; cap_b="$src/pcaps/melsec_omron.pcapng"
[ -f "$cap_a" ] && [ -f "$cap_b" ] || { echo "skip: sample captures missing"; exit 77; }
tmp="$(mktemp -d)"; chmod 755 "$tmp"
dpid=""
trap '[ -n "$dpid" ] && kill "$dpid" 2>/dev/null; wait 2>/dev/null; umount "$tmp/data" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }
mkdir data
mount -t tmpfs -o size=4M,mode=0755 tmpfs data 2>/dev/null || { echo "skipped: cannot mount a tmpfs"; exit 77; }
chown nobody data
cat >daemon.toml <<TOML
sensor_name = "e2e-full"
user = "nobody"
data_dir = "$tmp/data"
[capture]
interfaces = ["lo"]
flush_interval_s = 1
TOML
wait_for() {  # wait_for FILE PATTERN SECONDS
  for _ in $(seq $(($3 * 10))); do grep -q "$2" "$1" && return 0; sleep 0.1; done
  return 1
}
fill() { dd if=/dev/zero of=data/filler bs=64k 2>/dev/null; sync; }
assets() { "$bin" --config daemon.toml assets --format json 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

"$bin" run --config daemon.toml 2>run1.txt &
dpid=$!
check "daemon running" wait_for run1.txt "running:" 10
fill
tcpreplay -q -i lo --topspeed "$cap_a" >/dev/null 2>&1
check "a failed flush says how much is in memory only" \
  wait_for run1.txt "asset(s) and [0-9]* link(s) changed since are in memory only" 15
check "  and that it is not none" grep -Eq "\(flush failed [0-9]+ time\(s\) in a row; [1-9][0-9]* asset" run1.txt
rm -f data/filler
check "space freed: the backlog is stored" wait_for run1.txt "flush succeeded again" 15
kill -TERM "$dpid"; wait "$dpid"; rc=$?; dpid=""
check "SIGTERM after recovery exits 0" test "$rc" -eq 0
n_a=$(assets)
check "the replayed devices are stored ($n_a)" test "${n_a:-0}" -gt 1

# Full again, and stopped before any space comes back: the loss is counted.
"$bin" run --config daemon.toml 2>run2.txt &
dpid=$!
wait_for run2.txt "running:" 10
fill
tcpreplay -q -i lo --topspeed "$cap_b" >/dev/null 2>&1
wait_for run2.txt "in memory only" 15
kill -TERM "$dpid"; wait "$dpid"; rc=$?; dpid=""
check "SIGTERM on a full disk exits non-zero" test "$rc" -ne 0
check "  naming how much is lost" grep -Eq "[1-9][0-9]* asset\(s\) and [0-9]+ link\(s\) changed since the last stored flush are lost" run2.txt
[ "$fail" -eq 0 ] || { echo "--- run1"; tail -20 run1.txt; echo "--- run2"; tail -20 run2.txt; }
exit "$fail"
