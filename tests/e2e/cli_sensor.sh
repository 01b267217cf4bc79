#!/usr/bin/env bash
# End to end: a ledger written under a config's sensor_name reads the same
# without that config (assets, diff of its snapshots, exports), and a database
# holding several sensors says which and how to pick one (--sensor NAME).
# Usage: cli_sensor.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(realpath "$1")"; src="$(realpath "$2")"
sample="$src/pcaps/factory_sample.pcapng"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }

printf 'sensor_name = "plant-a"\n[capture]\ninterfaces = ["lo"]\n' >a.toml
printf 'sensor_name = "plant-b"\n[capture]\ninterfaces = ["lo"]\n' >b.toml
"$bin" read --config a.toml --db s.db "$sample" >/dev/null 2>&1
"$bin" snapshot --config a.toml --db s.db --name first >/dev/null 2>&1
"$bin" snapshot --config a.toml --db s.db --name second >/dev/null 2>&1

# One sensor in the database: read without the config.
"$bin" assets --db s.db --format json >assets.json 2>err.txt; rc=$?
check "assets without --config: exit 0" test "$rc" -eq 0
check "assets without --config: the sensor's assets" grep -q '"10.10.1.30"' assets.json
"$bin" diff --db s.db --from first --to second >diff.txt 2>err.txt; rc=$?
check "diff of two snapshots without --config: exit 0 ($(cat err.txt))" test "$rc" -eq 0
"$bin" snapshot list --db s.db >list.txt 2>&1
check "snapshot list without --config: both snapshots" bash -c "grep -q first list.txt && grep -q second list.txt"
"$bin" export ledger --db s.db >ledger.ndjson 2>/dev/null; rc=$?
check "export ledger without --config: the sensor's assets" bash -c "test $rc -eq 0 && grep -q '10.10.1.30' ledger.ndjson && grep -q plant-a ledger.ndjson"

# A second sensor: without --config or --sensor, the names and how to pick.
"$bin" read --config b.toml --db s.db "$sample" >/dev/null 2>&1
"$bin" assets --db s.db >/dev/null 2>err.txt; rc=$?
check "two sensors, no --sensor: exit 1" test "$rc" -eq 1
check "two sensors, no --sensor: one line naming both and --sensor" \
  bash -c "test \$(wc -l <err.txt) -eq 1 && grep -q plant-a err.txt && grep -q plant-b err.txt && grep -q -- '--sensor NAME' err.txt"
"$bin" assets --db s.db --sensor plant-b --format json >b.json 2>/dev/null; rc=$?
check "--sensor plant-b: exit 0 with its assets" bash -c "test $rc -eq 0 && grep -q '\"10.10.1.30\"' b.json"
"$bin" diff --db s.db --sensor plant-a --from first --to second >/dev/null 2>&1; rc=$?
check "--sensor plant-a: diff of its snapshots" test "$rc" -eq 0
"$bin" diff --db s.db --sensor plant-b --from first --to second >/dev/null 2>err.txt; rc=$?
check "--sensor plant-b: no such snapshot there" test "$rc" -eq 1
# Both sensors as one fleet ledger: they read the same capture, so every
# station (a MAC) is one asset seen by both; an address seen only behind a
# router is one asset per sensor (sensors without a site are networks of their
# own). A command of one sensor refuses two.
"$bin" assets --db s.db --sensor plant-a,plant-b --format json >ab.json 2>err.txt; rc=$?
check "--sensor plant-a,plant-b: exit 0" test "$rc" -eq 0
check "--sensor plant-a,plant-b: each station once, seen by both; a routed address once per sensor" python3 -c '
import json
ab, b = json.load(open("ab.json")), json.load(open("b.json"))
seen = lambda a: [s["sensor"] for s in a["sightings"]]
macs = sorted(a["id"] for a in b if a.get("mac"))
assert len(macs) > 3 and sorted(a["id"] for a in ab if a.get("mac")) == macs
assert all(seen(a) == ["plant-a", "plant-b"] for a in ab if a.get("mac"))
routed = [a for a in ab if not a.get("mac")]
assert len(routed) == 2 * sum(1 for a in b if not a.get("mac")) > 0
half = len(routed) // 2
assert sorted(seen(a) for a in routed) == [["plant-a"]] * half + [["plant-b"]] * half'
# The checklist of both: one fleet report of the same devices, each sensor's
# review evidence named.
"$bin" export checklist --db s.db --sensor plant-b,plant-a --format json --lang en >cl-ab.json 2>err.txt; rc=$?
check "export checklist --sensor plant-b,plant-a: exit 0 ($(head -c 200 err.txt))" test "$rc" -eq 0
check "  one fleet report: the fleet ledger's devices, both sensors' reviews" python3 -c '
import json
d, ab = json.load(open("cl-ab.json")), json.load(open("ab.json"))
assert d["sensor_name"] == "plant-a, plant-b", d["sensor_name"]
assert [s["name"] for s in d["fleet"]["sensors"]] == ["plant-a", "plant-b"], d["fleet"]
assert sorted(a["id"] for a in d["assets"]) == sorted(a["id"] for a in ab)'
"$bin" diff --db s.db --sensor plant-a,plant-b --from first --to second >/dev/null 2>err.txt; rc=$?
check "diff of two sensors: refused in one line" \
  bash -c "test $rc -eq 1 && test \$(wc -l <err.txt) -eq 1 && grep -q 'one fleet' err.txt"
"$bin" assets --db s.db --sensor plant-a,plant-x >/dev/null 2>err.txt; rc=$?
check "a fleet with a sensor not held: refused naming it" bash -c "test $rc -eq 1 && grep -q plant-x err.txt"
# A config naming a sensor the database does not hold: a warning naming those it holds.
printf 'sensor_name = "plant-c"\n[capture]\ninterfaces = ["lo"]\n' >c.toml
"$bin" assets --config c.toml --db s.db >/dev/null 2>err.txt
check "config with an absent sensor: warned with the names held" bash -c "grep -q plant-c err.txt && grep -q plant-a err.txt"
"$bin" assets --db s.db --sensor plant-x >/dev/null 2>err.txt; rc=$?
check "--sensor with no records: exit 0, warned with the names held" \
  bash -c "test $rc -eq 0 && grep -q plant-x err.txt && grep -q plant-b err.txt"
exit $fail
