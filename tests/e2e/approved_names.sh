#!/usr/bin/env bash
# End to end: the plant's own names and every fact, machine-readable.
# A Shift_JIS approved list with Japanese headers names a PLC 成形機PLC 2号 at
# 第2工場 成形ライン; `assets`, `show --format json`, `export ledger` and the
# console's search show it with source approved_list, and nothing of it is
# stored. `show --format json` lists every fact that `show` prints.
# Usage: approved_names.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; src="$(cd "$2" && pwd)"
py=/usr/bin/python3
cap="$src/pcaps/new_writers.pcapng"
[ -f "$cap" ] || { echo "skip: capture missing"; exit 77; }
[ -x "$py" ] || { echo "skip: /usr/bin/python3 missing"; exit 77; }
tmp="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp"
fail=0
check() {  # check NAME CONDITION...
  local name="$1"; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
plc=00:80:f4:50:00:01

"$bin" read -q "$cap" --db m.db >/dev/null 2>&1; check "read exits 0" test $? -eq 0
# An Excel CSV as plants save it: Shift_JIS (CP932), Japanese headers, CRLF.
"$py" - <<'PY'
rows = ["MACアドレス,名称,設置場所,ゾーン,管理者,備考",
        "00-80-F4-50-00-01,成形機PLC 2号,第2工場 成形ライン,成形セル,山田,"]
open("approved.csv", "wb").write(("\r\n".join(rows) + "\r\n").encode("cp932"))
PY
printf '[policy]\napproved = "approved.csv"\n' >m.toml

"$bin" assets --db m.db --config m.toml >assets.txt; check "assets --config exits 0" test $? -eq 0
check "assets shows the list's name" grep -q "成形機PLC 2号" assets.txt
"$bin" assets --db m.db --config m.toml --format csv >assets.csv
check "assets csv carries location, zone, owner" grep -q ",第2工場 成形ライン,成形セル,山田" assets.csv
# The reports and the diagram name the device by the plant's name too.
"$bin" export checklist --db m.db --config m.toml --format csv --lang en >checklist.csv
check "checklist evidence names it by MAC and plant name" grep -q "00:80:f4:50:00:01 成形機PLC 2号" checklist.csv
"$bin" report acceptance --db m.db --config m.toml --since 2000-01-01 >acceptance.txt
check "acceptance report names it" grep -q "00:80:f4:50:00:01 成形機PLC 2号" acceptance.txt
"$bin" topology --db m.db --config m.toml --format json >topology.json
check "the diagram labels it with the plant name" grep -q '"label": *"成形機PLC 2号"' topology.json
"$bin" show "$plc" --db m.db --config m.toml --format json >show.json; check "show --format json exits 0" test $? -eq 0
"$py" - <<'PY' >show_check.txt 2>&1
import json
d = json.load(open("show.json", encoding="utf-8"))
assert d["name"] == "成形機PLC 2号", d["name"]
assert d["sources"]["name"] == "approved_list", d["sources"]
assert d["approved_entry"]["location"] == "第2工場 成形ライン", d["approved_entry"]
listed = {f["field"]: f for f in d["facts"] if f["source"] == "approved_list"}
assert set(listed) == {"name", "location", "zone", "owner"}, listed
assert listed["name"]["value"] == "成形機PLC 2号" and listed["name"]["shown"] is True
assert all(f["first_seen"] is None and f["count"] == 0 for f in listed.values())
PY
check "show json: name, facts with source approved_list" test $? -eq 0 || cat show_check.txt

# Every fact of the text view is in the JSON, in the same order.
"$py" - "$bin" <<'PY' >facts_check.txt 2>&1
import json, subprocess, sys
bin = sys.argv[1]
assets = json.loads(subprocess.run([bin, "assets", "--db", "m.db", "--config", "m.toml", "--format", "json", "--facts"],
                                   capture_output=True, check=True).stdout)
assert assets and all("facts" in a for a in assets)
for a in assets:
    text = subprocess.run([bin, "show", a["id"], "--db", "m.db", "--config", "m.toml"], capture_output=True,
                          check=True).stdout.decode()
    js = json.loads(subprocess.run([bin, "show", a["id"], "--db", "m.db", "--config", "m.toml", "--format", "json"],
                                   capture_output=True, check=True).stdout)
    section = text.split("Facts (* = value shown):\n", 1)[1].split("\nEdges out", 1)[0]
    rows = [r for r in section.splitlines()[1:] if r.strip()]
    assert len(rows) == len(js["facts"]) == len(a["facts"]), (a["id"], len(rows), len(js["facts"]))
    for row, f in zip(rows, js["facts"]):
        cells = row[4:].split()
        assert row.startswith("  * ") == f["shown"], row
        assert cells[0] == f["field"] and f["value"] in row and f["source"] in row, (row, f)
print("checked", len(assets))
PY
check "show --format json has every fact of show text" test $? -eq 0 || cat facts_check.txt

"$bin" export ledger --db m.db --config m.toml --output ledger.ndjson; check "export ledger exits 0" test $? -eq 0
"$py" - <<'PY' >ndjson_check.txt 2>&1
import json
lines = [json.loads(l) for l in open("ledger.ndjson", encoding="utf-8")]
head = lines[0]
assert head["kind"] == "ledger" and head["schema"].endswith("ledger_export.v1.schema.json")
kinds = [l["kind"] for l in lines[1:]]
assert kinds == ["asset"] * head["assets"] + ["link"] * head["links"], kinds
named = [l for l in lines if l["kind"] == "asset" and l["name"] == "成形機PLC 2号"]
assert len(named) == 1 and any(f["source"] == "approved_list" for f in named[0]["facts"])
PY
check "export ledger: header, assets with facts, links" test $? -eq 0 || cat ndjson_check.txt
"$bin" assets --db m.db --format table --facts >/dev/null 2>err.txt; rc=$?
check "--facts without json is bad input, one line" sh -c "test $rc -eq 1 && test \$(wc -l <err.txt) -eq 1"

# Nothing of the list is stored: without it, no approved_list fact, no name.
"$bin" show "$plc" --db m.db --format json >bare.json
check "without the list: no approved_list facts" sh -c "! grep -q approved_list bare.json"
check "without the list: no name from it" sh -c "! grep -q '成形機' bare.json"

# The console: a search for 成形 finds it.
printf 'viewerpass1\n' | "$bin" user add viewer --db m.db >/dev/null 2>&1
"$bin" serve --db m.db --config m.toml --http --listen 127.0.0.1:0 >serve.out 2>serve.err &
pids+=($!)
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^mieruka: serving \([^ ]*\) .*/\1/p' serve.out 2>/dev/null)"
  [ -n "$url" ] && break
  kill -0 "${pids[-1]}" 2>/dev/null || break
  sleep 0.1
done
check "serve starts" test -n "$url"
if [ -n "$url" ]; then
  "$py" - "$url" "$plc" <<'PY' >web_check.txt 2>&1
import http.client, json, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
c.request("POST", "/api/v1/login", body=json.dumps({"user": "viewer", "password": "viewerpass1"}),
          headers={"Content-Type": "application/json"})
r = c.getresponse(); r.read()
cookie = r.getheader("Set-Cookie").split(";")[0]
c.request("GET", "/api/v1/assets?q=" + urllib.parse.quote("成形"), headers={"Cookie": cookie})
r = c.getresponse(); body = json.loads(r.read())
items = body["items"] if isinstance(body, dict) else body
assert r.status == 200 and len(items) == 1 and items[0]["mac"] == sys.argv[2], body
assert items[0]["name"] == "成形機PLC 2号"
c.request("GET", "/api/v1/assets?q=" + urllib.parse.quote("山田"), headers={"Cookie": cookie})
r = c.getresponse(); body = json.loads(r.read())
items = body["items"] if isinstance(body, dict) else body
assert len(items) == 1, body
c.request("GET", "/api/v1/assets/" + items[0]["id"], headers={"Cookie": cookie})
r = c.getresponse(); d = json.loads(r.read())
assert any(f["source"] == "approved_list" and f["field"] == "location" for f in d["facts"]), d["facts"]
assert d["asset"]["approved_entry"]["owner"] == "山田"
PY
  check "console search for 成形 finds it; detail has the facts" test $? -eq 0 || cat web_check.txt serve.err
fi

# A row taken off the list leaves nothing behind.
"$py" -c 'open("approved.csv","wb").write("MACアドレス,名称\r\n".encode("cp932"))'
"$bin" show "$plc" --db m.db --config m.toml --format json >after.json
check "row removed: no approved_list facts" sh -c "! grep -q approved_list after.json"
exit $fail
