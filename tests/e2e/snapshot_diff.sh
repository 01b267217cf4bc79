#!/usr/bin/env bash
# End to end: snapshots and diffs as plant IT uses them. Read capture A, take a
# snapshot, read capture B, then diff in every format; bad names and options
# exit 1 with one line on stderr.
# Usage: snapshot_diff.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; src="$2"
cap_a="$src/pcaps/factory_sample.pcapng"
cap_b="$src/pcaps/melsec_omron.pcapng"
[ -f "$cap_a" ] && [ -f "$cap_b" ] || { echo "skip: sample captures missing"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
check() {  # check NAME CONDITION...
  local name="$1"; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
one_line() { test "$(wc -l <"$1")" -eq 1; }
json_ok() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; }
# py FILE EXPR: evaluates EXPR with d = the JSON in FILE; true when truthy.
py() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }

# 1. No database yet: snapshot and diff are bad input.
"$bin" snapshot --db none.db >/dev/null 2>err0.txt; rc=$?
check "snapshot without a db exits 1" test "$rc" -eq 1
check "snapshot without a db: one line" one_line err0.txt

# 2. Capture A, then a snapshot with a default (time) name and a chosen one.
"$bin" read -q "$cap_a" >/dev/null 2>&1; check "read A exits 0" test $? -eq 0
"$bin" assets --format json >assets_a.json
"$bin" snapshot >name0.txt 2>/dev/null; rc=$?
check "snapshot exits 0" test "$rc" -eq 0
check "default name is the UTC time" grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z(-[0-9]+)?$' name0.txt
"$bin" snapshot >name1.txt 2>/dev/null
check "a second default name differs" test "$(cat name0.txt)" != "$(cat name1.txt)"
"$bin" snapshot --name week1 >/dev/null 2>&1; check "named snapshot exits 0" test $? -eq 0
"$bin" snapshot --name week1 >/dev/null 2>err1.txt; rc=$?
check "duplicate name exits 1" test "$rc" -eq 1
check "duplicate name: one line naming it" sh -c 'test "$(wc -l <err1.txt)" -eq 1 && grep -q week1 err1.txt'
"$bin" snapshot --name now >/dev/null 2>err2.txt; rc=$?
check "reserved name now exits 1" test "$rc" -eq 1
check "reserved name: one line" one_line err2.txt
"$bin" snapshot list >list.txt; check "snapshot list exits 0" test $? -eq 0
check "list shows week1" grep -q '^week1' list.txt
"$bin" snapshot list --format json >list.json
check "list json has 3 snapshots" py list.json 'len(d) == 3 and d[-1]["name"] == "week1" and d[-1]["assets"] > 0'

# 3. Nothing changed yet: the diff against now is empty.
"$bin" diff --from week1 --format json >same.json; rc=$?
check "diff to now exits 0" test "$rc" -eq 0
check "no change right after the snapshot" py same.json \
  'not d["new_assets"] and not d["vanished_assets"] and not d["changed_assets"] and not d["new_links"] and d["to"] == "now"'

# 4. Capture B brings new equipment.
"$bin" read -q "$cap_b" >/dev/null 2>&1; check "read B exits 0" test $? -eq 0
"$bin" assets --format json >assets_b.json
"$bin" snapshot --name week2 >/dev/null 2>&1
"$bin" diff --from week1 --to week2 --format json >d.json; rc=$?
check "diff json exits 0" test "$rc" -eq 0
check "diff json parses" json_ok d.json
check "diff has the contract keys" py d.json \
  'all(k in d for k in ["from","to","new_assets","vanished_assets","changed_assets","new_links","vanished_links","new_findings","capture_drops"])'
python3 - assets_a.json assets_b.json >expected_new.txt <<'PY'
import json, sys
a = {x["id"] for x in json.load(open(sys.argv[1]))}
b = {x["id"] for x in json.load(open(sys.argv[2]))}
print("\n".join(sorted(b - a)))
PY
check "capture B added assets" test -s expected_new.txt
python3 -c 'import json,sys; print("\n".join(x["id"] for x in json.load(open(sys.argv[1]))["new_assets"]))' d.json >got_new.txt
check "new_assets are exactly the assets B added" cmp -s expected_new.txt got_new.txt
check "new assets sorted by id" sh -c 'sort -c got_new.txt'
check "new links listed" py d.json 'len(d["new_links"]) > 0'
"$bin" diff --from week1 --format json >dnow.json
check "diff to now equals diff to week2" python3 -c '
import json, sys
a = json.load(open("d.json")); b = json.load(open("dnow.json"))
keys = ["new_assets", "vanished_assets", "changed_assets", "new_links", "vanished_links"]
sys.exit(0 if all(a[k] == b[k] for k in keys) else 1)'
"$bin" diff --from week1 --to week2 --format json >d2.json
check "diff is deterministic" sh -c 'test -s d.json && cmp -s d.json d2.json'
"$bin" diff --from week2 --to week2 --format json >empty.json
check "a snapshot against itself: no change" py empty.json \
  'not d["new_assets"] and not d["vanished_assets"] and not d["changed_assets"] and not d["new_links"] and not d["vanished_links"]'

# 5. Text and CSV.
"$bin" diff --from week1 --to week2 --format text >d.txt; rc=$?
check "diff text exits 0" test "$rc" -eq 0
check "text lists new assets" grep -q "^New assets (" d.txt
check "text names both snapshots" sh -c 'grep -q "from: week1" d.txt && grep -q "to:   week2" d.txt'
"$bin" diff --from week1 --to week2 --format csv >d.csv; rc=$?
check "diff csv exits 0" test "$rc" -eq 0
check "csv header" sh -c 'head -1 d.csv | grep -q "^change,asset,mac,ip,name,field,old,new,link,protocol,port"'
check "csv has one new_asset row per new asset" test "$(grep -c '^new_asset,' d.csv)" -eq "$(wc -l <expected_new.txt)"
check "csv ends with capture drops" sh -c 'tail -1 d.csv | grep -q "^capture_drops,"'

# 6. Bad input: one line on stderr, exit 1.
"$bin" diff --from nosuch --format json >/dev/null 2>err3.txt; rc=$?
check "unknown snapshot exits 1" test "$rc" -eq 1
check "unknown snapshot: one line naming it" sh -c 'test "$(wc -l <err3.txt)" -eq 1 && grep -q nosuch err3.txt'
"$bin" diff --from week1 --to nosuch >/dev/null 2>err4.txt; rc=$?
check "unknown --to exits 1" test "$rc" -eq 1
check "unknown --to: one line" one_line err4.txt
"$bin" diff --from week1 --format xml >/dev/null 2>err5.txt; rc=$?
check "bad --format exits 1" test "$rc" -eq 1
check "bad --format: one line" one_line err5.txt
"$bin" diff --from week1 --absence soon >/dev/null 2>err6.txt; rc=$?
check "bad --absence exits 1" test "$rc" -eq 1
check "bad --absence: one line" one_line err6.txt
"$bin" diff >/dev/null 2>&1; rc=$?
check "diff without --from exits 1" test "$rc" -eq 1
"$bin" diff --db none.db --from week1 >/dev/null 2>err7.txt; rc=$?
check "diff without a db exits 1" test "$rc" -eq 1

# 7. Retention: prune keeps the newest of today.
"$bin" snapshot prune --keep-daily 1 --keep-weekly 0 --dry-run >prune.txt; rc=$?
check "prune dry run exits 0" test "$rc" -eq 0
check "prune would delete all but the newest" test "$(grep -c '^would delete' prune.txt)" -eq 3
"$bin" snapshot prune --keep-daily 1 --keep-weekly 0 >/dev/null
"$bin" snapshot list --format json >list2.json
check "prune left the newest" py list2.json 'len(d) == 1 and d[0]["name"] == "week2"'
"$bin" snapshot prune --keep-daily 0 --keep-weekly 0 >/dev/null 2>err8.txt; rc=$?
check "prune keeping nothing exits 1" test "$rc" -eq 1

exit $fail
