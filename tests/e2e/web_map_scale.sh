#!/usr/bin/env bash
# The network map at plant scale in headless Chromium (1440x900): a ledger of
# 500 devices (bench/mieruka_gen_ledger) in 24 zones (23 cells of a /28 each at
# Purdue levels 1 and 2, and an office of the remaining 132 at level 4), every
# device named in an approved list with a Japanese name as plants write them.
# tests/e2e/web/map_scale_test.py opens the plant level and every zone and
# measures the labels through Cytoscape: legible (at least 9 px tall) at twice
# the zoom the view opens with, and no two labels overlapping. Before it,
# `mieruka topology --zone` draws one zone of that plant.
# Screenshots are kept in $MIERUKA_WEB_SCREENSHOTS (default: a new directory
# under /tmp, printed at the end).
# Usage: web_map_scale.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; src="$2"
py=/usr/bin/python3
gen="$(dirname "$bin")/bench/mieruka_gen_ledger"
[ -x "$gen" ] || { echo "skip: $gen missing (MIERUKA_BENCH=ON builds it)"; exit 77; }
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { echo "skip: chromium / chromedriver missing"; exit 77; }
"$py" -c 'import selenium' 2>/dev/null || { echo "skip: python3-selenium missing"; exit 77; }
tmp="$(mktemp -d)"
shots="${MIERUKA_WEB_SCREENSHOTS:-$(mktemp -d /tmp/mieruka-map-scale.XXXXXX)}"
pid=""
cleanup() { [ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$tmp"; }
trap cleanup EXIT
"$gen" --assets 500 --sensor plant "$tmp/m.db" >/dev/null || { echo "FAIL mieruka_gen_ledger"; exit 1; }
printf 'adminpass1\n' | "$bin" user add admin --role admin --db "$tmp/m.db" --password-file - 2>/dev/null ||
  { echo "FAIL user add"; exit 1; }
# Device i has 10.0.x.y = 10.0.0.1 + i and MAC 00:1b:1b:00:00:00 + i; the
# generator makes devices 0-19 PLCs, 20-24 HMIs, 25 an engineering station.
"$py" - "$tmp" <<'PY'
import sys
d = sys.argv[1]
rows = ["MAC,名称,設置場所"]
for i in range(500):
    mac = "00:1b:1b:%02x:%02x:%02x" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)
    kind = "成形機PLC" if i < 20 else "操作盤HMI" if i < 25 else "保全用PC" if i == 25 else "事務所PC"
    rows.append("%s,%s %d号,第%d工場" % (mac, kind, i + 1, 1 + i % 3))
open(d + "/approved.csv", "w", encoding="utf-8").write("\r\n".join(rows) + "\r\n")
with open(d + "/mieruka.toml", "w") as f:
    f.write('sensor_name = "plant"\n\n[policy]\napproved = "%s/approved.csv"\n\n' % d)
    for z in range(23):
        f.write('[[zone]]\nname = "成形セル%02d"\nlevel = %d\nsubnets = ["10.0.%d.%d/28"]\n\n' % (z + 1, 1 + z % 2, z * 16 // 256, z * 16 % 256))
    f.write('[[zone]]\nname = "事務所"\nlevel = 4\nsubnets = ["10.0.1.112/28", "10.0.1.128/25"]\n\n')
    f.write('[[conduit]]\nfrom = "成形セル*"\nto = "成形セル*"\nprotocols = ["modbus"]\n')
PY
# The diagram of one zone from the command line: its devices only, by name.
fail=0
"$bin" topology --config "$tmp/mieruka.toml" --db "$tmp/m.db" --format json --zone 成形セル02 >"$tmp/cell.json" 2>"$tmp/cell.err"
"$py" - "$tmp/cell.json" <<'PY' || { echo "FAIL topology --zone: one zone's devices"; cat "$tmp/cell.err"; fail=1; }
import json, sys
t = json.load(open(sys.argv[1]))
assert [z["id"] for z in t["zones"]] == ["zone:成形セル02"], t["zones"]
ids = {n["id"] for n in t["nodes"]}
assert len(ids) == 16 and ids == set(t["zones"][0]["nodes"]), len(ids)
assert all(e["from"] in ids and e["to"] in ids for e in t["edges"])
PY
[ "$fail" -eq 0 ] && echo "ok   topology --zone: one zone's devices"
"$bin" topology --config "$tmp/mieruka.toml" --db "$tmp/m.db" --format dot --zone nosuch >/dev/null 2>"$tmp/nosuch.err"
rc=$?
if [ "$rc" -ne 0 ] && [ "$(wc -l <"$tmp/nosuch.err")" -eq 1 ] && grep -q nosuch "$tmp/nosuch.err"; then
  echo "ok   topology --zone nosuch: an error of one line naming it"
else
  echo "FAIL topology --zone nosuch: rc $rc"; cat "$tmp/nosuch.err"; fail=1
fi
"$bin" serve --config "$tmp/mieruka.toml" --db "$tmp/m.db" --http --listen 127.0.0.1:0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^mieruka: serving \([^ ]*\) .*/\1/p' "$tmp/serve.out" 2>/dev/null)"
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$url" ] || { echo "FAIL serve did not start"; cat "$tmp/serve.err"; exit 1; }
HOME="$tmp" "$py" "$src/tests/e2e/web/map_scale_test.py" "$url" "$shots"
rc=$?
echo "screenshots in $shots"
[ "$fail" -eq 0 ] || rc=1
exit $rc
