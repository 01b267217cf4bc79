#!/usr/bin/env bash
# End to end: `mieruka advisories` over a bundled capture and the public CISA
# advisories in ../shared/advisories. A broken file is one line and the rest is
# imported; nothing readable is exit 1; an older revision does not replace a
# newer one; reading commands never create a database; a remediation state
# shows in the findings; the next diff after an import lists the newly
# affected devices (text) and their vulnerable findings (JSON).
# Usage: advisories.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(realpath "$1")"; src="$(realpath "$2")"
advisories="$src/../shared/advisories/csaf"
[ -d "$advisories" ] || { echo "skipped: $advisories missing"; exit 77; }
py=/usr/bin/python3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
check() { local name="$1"; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi; }

# 1. Reading commands on a database that does not exist: refused, nothing created.
for cmd in "list" "show ICSA-23-073-01" "matches"; do
  "$bin" advisories $cmd --db none.db >/dev/null 2>err.txt; rc=$?
  check "advisories $cmd without a database exits 1" test "$rc" -eq 1
  check "advisories $cmd creates no database" test ! -e none.db
done

# 2. Import: two broken files and one good one; each broken file is one line.
mkdir docs
cp "$advisories/icsa-23-073-01.json" docs/
printf '{"document": {' >docs/cut.json
echo '{"document": {"title": "no tracking"}}' >docs/partial.json
"$bin" read -q --db t.db "$src/pcaps/melsec_omron.pcapng" "$src/pcaps/jp_controllers.pcapng"
"$bin" snapshot --db t.db --name before -q >/dev/null
"$bin" advisories import --db t.db docs 2>err.txt; rc=$?
check "import with broken files exits 0" test "$rc" -eq 0
check "one line per broken file" test "$(grep -c 'docs/\(cut\|partial\).json' err.txt)" -eq 2
check "summary line" grep -q "1 advisories: 1 added" err.txt
"$bin" advisories import --db t.db docs/cut.json 2>err.txt; rc=$?
check "nothing readable exits 1" test "$rc" -eq 1
mkdir empty
"$bin" advisories import --db t.db empty 2>err.txt; rc=$?
check "no advisory file exits 1" test "$rc" -eq 1

# 3. An older revision of the same advisory does not replace the stored one.
"$py" - "$advisories/icsa-23-073-01.json" old.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
d['document']['title'] = 'An older revision'
d['document']['tracking']['current_release_date'] = '2020-01-01T00:00:00Z'
json.dump(d, open(sys.argv[2], 'w', encoding='utf-8'))
PY
"$bin" advisories import --db t.db old.json 2>err.txt; rc=$?
check "older revision import exits 0" test "$rc" -eq 0
check "older revision reported as left" grep -q "1 left" err.txt
check "stored title unchanged" bash -c "'$bin' advisories list --db t.db | grep -q 'ICSA-23-073-01.*Omron CJ1M PLC'"

# 4. The whole public set; list, show and matches agree with the findings.
"$bin" advisories import -q --db t.db "$advisories"; rc=$?
check "import the shared advisories exits 0" test "$rc" -eq 0
check "list counts 210" bash -c "'$bin' advisories list --db t.db --format json | '$py' -c 'import json,sys; assert len(json.load(sys.stdin)) == 210'"
"$bin" findings --db t.db --format json >f.json
check "findings conform to docs/schema/finding.v1.schema.json" "$py" - "$src/docs/schema/finding.v1.schema.json" <<'PY'
import json, sys
try:
    import jsonschema
except ImportError:
    sys.exit(0)
schema = json.load(open(sys.argv[1]))
for f in json.load(open('f.json')):
    jsonschema.validate(f, schema)
PY
"$bin" advisories matches --db t.db --format json >m.json
check "matches = vulnerable findings" "$py" - <<'PY'
import json
f = {(x['asset'], x['advisory'], x['confidence']) for x in json.load(open('f.json')) if x['type'] == 'vulnerable'}
m = json.load(open('m.json'))
a = {(x['asset'], x['advisory'], x['confidence']) for g in m['by_asset'] for x in g['advisories']}
b = {(x['asset'], x['advisory'], x['confidence']) for g in m['by_advisory'] for x in g['assets']}
assert f and f == a == b, (f, a, b)
PY
"$bin" advisories matches --db t.db --confidence confirmed --format json >c.json
check "--confidence confirmed" "$py" -c "
import json; m=json.load(open('c.json'))
assert m['by_asset'] and all(x['confidence']=='confirmed' for g in m['by_asset'] for x in g['advisories'])"
"$bin" advisories show ICSA-23-073-01 --db t.db >show.txt; rc=$?
check "show exits 0" test "$rc" -eq 0
check "show lists the affected device" grep -q "confirmed" show.txt
"$bin" advisories show ICSA-00-000-00 --db t.db 2>err.txt; rc=$?
check "show unknown exits 1" test "$rc" -eq 1

# 5. Remediation state: compensated is shown, remediated quiets the finding.
omron=$("$py" -c "
import json
print([x['asset'] for x in json.load(open('f.json')) if x['type']=='vulnerable' and x['advisory']=='ICSA-23-073-01'][0])")
"$bin" advisories state --db t.db "$omron" ICSA-23-073-01 compensated --comment "FINS closed at the cell firewall" -q; rc=$?
check "state compensated exits 0" test "$rc" -eq 0
check "finding shows compensated" bash -c "'$bin' findings --db t.db --format json | '$py' -c \"
import json,sys
f=[x for x in json.load(sys.stdin) if x['type']=='vulnerable' and x['advisory']=='ICSA-23-073-01'][0]
assert f['state']=='compensated', f\""
"$bin" advisories state --db t.db "$omron" CVE-2023-0811 remediated -q; rc=$?
check "state by CVE exits 0" test "$rc" -eq 0
check "remediated finding is quiet" bash -c "'$bin' findings --db t.db --format json | '$py' -c \"
import json,sys
f=[x for x in json.load(sys.stdin) if x['type']=='vulnerable' and x['advisory']=='ICSA-23-073-01'][0]
assert f['state']=='remediated', f\""
"$bin" advisories state --db t.db "$omron" ICSA-23-073-01 done 2>err.txt; rc=$?
check "unknown state exits 1" test "$rc" -eq 1
"$bin" advisories state --db t.db "$omron" CVE-1999-0001 in_progress 2>err.txt; rc=$?
check "CVE not on the device exits 1" test "$rc" -eq 1

# 6. The next diff names the newly affected devices.
"$bin" snapshot --db t.db --name after -q >/dev/null
"$bin" diff --db t.db --from before --to after >d.txt
"$bin" diff --db t.db --from before --to after --format json >d.json
check "diff text lists newly affected devices" grep -q "^Newly affected devices" d.txt
"$bin" findings --db t.db --format json >f2.json
check "diff json new findings = open vulnerable findings" "$py" - <<'PY'
import json
d = json.load(open('d.json'))
new = {x['id'] for x in d['new_findings'] if x['type'] == 'vulnerable'}
open_now = {x['id'] for x in json.load(open('f2.json')) if x['type'] == 'vulnerable' and x['state'] not in ('remediated', 'not_affected', 'acknowledged')}
assert new and new == open_now, (new, open_now)
PY
"$bin" diff --db t.db --from after --to now >d2.txt
check "no newly affected device in the next period" bash -c "! grep -q '^Newly affected devices' d2.txt"

exit $fail
