#!/usr/bin/env bash
# End to end: the daemon started as root with `user =` and a [web] section, as a
# plant installs it without the systemd unit. Everything it writes (ledger, WAL,
# console certificate and key) must belong to the service user, so flushes work
# and a later start as that user (the systemd unit's way, with CAP_NET_RAW as an
# ambient capability) reads them. After the drop exactly CAP_NET_RAW is kept, so
# a capture interface that is deleted and created again is reopened: frames sent
# after the flap reach the ledger.
#
# Runs in two private network namespaces joined by a veth pair (the daemon
# captures on one end, the other end sends), and with a system user made here
# and removed at the end. Needs root, `ip netns` and setpriv; skipped (77)
# otherwise.
# Usage: privilege_drop.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(realpath "$1")"
if [ "$(id -u)" -ne 0 ]; then echo "skipped: needs root (namespaces, privilege drop)"; exit 77; fi
command -v setpriv >/dev/null || { echo "skipped: setpriv not installed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "skipped: sqlite3 not installed"; exit 77; }
tag="mrk$$"
nsa="${tag}a"   # the sensor's side
nsb="${tag}b"   # the plant's side: sends frames
user="${tag}u"
if ! ip netns add "$nsa" 2>/dev/null; then echo "skipped: cannot create a network namespace"; exit 77; fi
ip netns add "$nsb"
tmp="$(mktemp -d)"
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  ip netns del "$nsa" 2>/dev/null
  ip netns del "$nsb" 2>/dev/null
  userdel "$user" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user" || exit 1
chmod 755 "$tmp"
cd "$tmp"
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }
alive() { kill -0 "$pid" 2>/dev/null; }
wait_for() { for _ in $(seq 1 $(($2 * 10))); do grep -q "$3" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# The veth pair, made again after each flap: mv0 in the sensor's namespace,
# mv1 on the plant's side; addresses exist only inside these namespaces.
link_up() {
  ip link add mv0 netns "$nsa" type veth peer name mv1 netns "$nsb" || return 1
  ip -n "$nsa" addr add 10.77.0.1/24 dev mv0
  ip -n "$nsb" addr add "$1/24" dev mv1
  ip -n "$nsa" link set mv0 up
  ip -n "$nsb" link set mv1 up
  ip -n "$nsa" link set lo up
}
# Sends UDP frames from the plant's side (its address is what the ledger learns).
send() { ip netns exec "$nsb" bash -c 'for i in $(seq 1 '"$1"'); do echo hi >/dev/udp/10.77.0.1/4000; sleep 0.05; done' 2>/dev/null; }
assets_has() { "$bin" assets --config daemon.toml --format json 2>/dev/null | grep -q "\"$1\""; }
owner_is_user() { for f in "$@"; do [ "$(stat -c %U "$f" 2>/dev/null)" = "$user" ] || return 1; done; }
flap() {
  ip -n "$nsa" link del mv0
  sleep 1
  link_up "$1"
}
wait_asset() { for _ in $(seq 1 "$2"); do send 5; assets_has "$1" && return 0; sleep 1; done; return 1; }

link_up 10.77.0.2 || { echo "skipped: cannot create a veth pair"; exit 77; }
mkdir data && chown "$user" data && chmod 750 data
cat >daemon.toml <<TOML
data_dir = "$tmp/data"
sensor_name = "e2e-privs"
user = "$user"
[capture]
interfaces = ["mv0"]
filter = "udp port 4000"
flush_interval_s = 1
[web]
listen = "127.0.0.1:0"
TOML
chmod 644 daemon.toml

# 1. Started as root: drops to the service user.
ip netns exec "$nsa" "$bin" run --config daemon.toml 2>run1.txt &
pid=$!
wait_for run1.txt 10 "running:" || true
check "root start: running" alive
send 10
sleep 2
check "root start: the sender is in the ledger" assets_has 10.77.0.2
check "root start: database and WAL belong to the service user" owner_is_user data/mieruka.db data/mieruka.db-wal
check "root start: console certificate and key belong to the service user" \
  owner_is_user data/web-cert.pem data/web-key.pem
check "root start: no failed flush" bash -c "! grep -q 'read-only\|flush failed' run1.txt"
# The capabilities of a process that dropped root: CAP_NET_RAW (bit 13) only.
caps="$(grep -E '^Cap(Prm|Eff|Amb|Bnd):' /proc/$pid/status | tr -d '\t' | tr '\n' ' ')"
check "root start: keeps exactly CAP_NET_RAW ($caps)" \
  test "$caps" = "CapPrm:0000000000002000 CapEff:0000000000002000 CapBnd:0000000000002000 CapAmb:0000000000002000 "
check "root start: runs as the service user" test "$(stat -c %U /proc/$pid)" = "$user"

# 2. The NIC flaps: capture resumes without root.
flap 10.77.0.3
wait_for run1.txt 30 "mv0: capture resumed" || true
check "root start: capture resumed after the flap" grep -q "mv0: capture resumed" run1.txt
check "root start: frames after the flap are in the ledger" wait_asset 10.77.0.3 15
kill -TERM "$pid"
wait "$pid"; rc=$?; pid=""
check "root start: SIGTERM exits 0" test "$rc" -eq 0
check "root start: nothing reported lost" bash -c "! grep -q 'lost' run1.txt"

# 3. Restarted as the service user, as the systemd unit starts it.
ip netns exec "$nsa" setpriv --reuid="$user" --regid="$user" --clear-groups --inh-caps=+net_raw \
  --ambient-caps=+net_raw "$bin" run --config daemon.toml 2>run2.txt &
pid=$!
wait_for run2.txt 10 "running:" || true
check "service user start: running (reads the certificate and the ledger)" alive
flap 10.77.0.4
wait_for run2.txt 30 "mv0: capture resumed" || true
check "service user start: capture resumed after the flap" grep -q "mv0: capture resumed" run2.txt
check "service user start: frames after the flap are in the ledger" wait_asset 10.77.0.4 15
kill -TERM "$pid"
wait "$pid"; rc=$?; pid=""
check "service user start: SIGTERM exits 0" test "$rc" -eq 0
check "service user start: earlier assets kept" assets_has 10.77.0.2
check "integrity_check ok" test "$(sqlite3 data/mieruka.db 'PRAGMA integrity_check' 2>&1)" = ok

# A ledger left root's (as an earlier start before the drop made it): refused at
# start with one line saying what to do, not a daemon that loses every flush.
chown root data/mieruka.db
timeout 10 ip netns exec "$nsa" "$bin" run --config daemon.toml >/dev/null 2>run3.txt; rc=$?
check "root-owned ledger: refused at start (exit 1)" test "$rc" -eq 1
check "root-owned ledger: one line naming it and chown" \
  bash -c "test \$(wc -l <run3.txt) -eq 1 && grep -Eq 'mieruka.db: not (readable|writable) by this user' run3.txt && grep -q chown run3.txt"
chown "$user" data/mieruka.db

# The console binds after the drop: a port below 1024 is refused with one line.
sed 's/^listen = .*/listen = "127.0.0.1:443"/' daemon.toml >low.toml
timeout 10 ip netns exec "$nsa" "$bin" run --config low.toml >/dev/null 2>run4.txt; rc=$?
check "console on port 443 after the drop: exit 1" test "$rc" -eq 1
check "console on port 443: says ports below 1024 need root" grep -q "below 1024" run4.txt

if [ "$fail" -ne 0 ]; then for f in run1.txt run2.txt run3.txt run4.txt; do echo "== $f"; cat "$f"; done; ls -l data; fi
exit $fail
