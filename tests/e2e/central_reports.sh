#!/usr/bin/env bash
# End to end against a real PostgreSQL started here (tests/e2e/lib/postgres.sh):
# `mieruka export checklist` (json, csv, html) and `mieruka report acceptance`
# (text, json, html) read from the central store for one sensor equal the same
# commands on that sensor's own SQLite ledger, byte for byte once the lines
# that name the database and the time the report was made (and the review
# period ending then) are masked: the scheduled reviews, the diffs and alerts
# delivered, the live capture, the snapshots and the sensor's schedule, time
# zone and diff channels all come from the central store. A sensor whose
# config changed sends it with its next batch. Several sensors are one fleet
# report: the checklist of the merged fleet ledger (each device once) with
# each sensor's review evidence named and the weakest deciding levels 4 and
# 5, a time baseline but no snapshot's; the fleet's acceptance report takes
# --since (each device once, with the sensors that saw it). The outbox's
# subjects and payloads never leave the appliance.
# Usage: central_reports.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$1"; src="$2"
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib/postgres.sh"
. "$here/lib/central.sh"
py=/usr/bin/python3
for tool in sqlite3 "$py"; do
  command -v "$tool" >/dev/null || { echo "skip: $tool missing"; exit 77; }
done
pg_require
tmp="$(mktemp -d)"
trap 'pg_stop immediate; rm -rf "$tmp"' EXIT
cp "$src"/tests/golden_checklist/factory/{approved.csv,wireless.csv} "$tmp"/
cd "$tmp"
export TZ=UTC
fail=0
check() {  # check NAME CONDITION...
  local name="$1"; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}

pg_start "$tmp"
central_owner
"$bin" central init --db "postgresql://mieruka_admin@127.0.0.1:$PG_PORT/mieruka" --password-file owner.pw >init.txt 2>&1
check "init exits 0" test $? -eq 0
check "schema version 4" test "$(pg_sql -d mieruka -tAc 'SELECT version FROM mieruka_schema')" = "4"
for r in line1 line2 viewer; do
  p="$r-Secret-$RANDOM$RANDOM"
  if [ "$r" = viewer ]; then g=mieruka_console; else g=mieruka_sensor; fi
  pg_sql -d mieruka -c "CREATE ROLE $r LOGIN PASSWORD '$p' IN ROLE $g" || fail=1
  printf '%s\n' "$p" >"$r.pw"; chmod 600 "$r.pw"
done
central="postgresql://viewer@127.0.0.1:$PG_PORT/mieruka"

# 1. line1: the factory's zones and lists, a daily schedule, one channel for
#    diffs and alerts; line2: another capture, no schedule, its own zone.
for s in line1 line2; do
  cat >"$s.toml" <<TOML
sensor_name = "$s"
[[zone]]
name = "cell-1"
level = 1
subnets = ["10.10.1.0/24"]
[[zone]]
name = "office"
level = 4
subnets = ["192.168.10.0/24"]
[policy]
approved = "approved.csv"
wireless_allow = "wireless.csv"
[central]
url = "postgresql://$s@127.0.0.1:$PG_PORT/mieruka"
password_file = "$s.pw"
TOML
done
sed -i 's/^sensor_name = "line2"/sensor_name = "line2"\ntimezone = "Europe\/Berlin"/' line2.toml
cat >>line1.toml <<'TOML'
[snapshots]
schedule = "daily 07:30"
[[channel]]
name = "it"
type = "webhook"
url = "http://127.0.0.1:9/in"
secret = "k"
kinds = ["diff", "alert"]
TOML
"$bin" read -q --config line1.toml --db l1.db "$src/pcaps/factory_sample.pcapng" >read1.txt 2>&1
check "line1 read exits 0" test $? -eq 0
# line2's mirror port sees line1's cell too (the factory capture): those
# devices are one device each in the fleet's report, seen by both sensors.
"$bin" read -q --config line2.toml --db l2.db "$src/pcaps/melsec_omron.pcapng" "$src/pcaps/factory_sample.pcapng" >read2.txt 2>&1
check "line2 read exits 0" test $? -eq 0
"$bin" snapshot --config line1.toml --db l1.db --name m1 >/dev/null 2>&1
check "line1 snapshot m1" test $? -eq 0
# A month of scheduled reviews, live capture, diffs and alerts, as a daemon
# leaves them (and a diff never delivered, and a test message).
now_us=$("$py" -c 'import time; print(int(time.time() * 1e6))')
"$py" - l1.db "$now_us" <<'PY'
import sqlite3, sys
db, now = sqlite3.connect(sys.argv[1]), int(sys.argv[2])
day = 86400 * 10**6
# The daemon's run, still going (its end moves with every flush).
db.execute("INSERT INTO runs VALUES ('line1', ?, ?, 'run --config line1.toml', 5000000, 100)", (now - 31 * day, now + day))
for d in range(31):
    db.execute("INSERT INTO reviews VALUES ('line1', ?, ?, '')", (now - d * day - 3600 * 10**6, 'sched-%d' % d))
for d in range(1, 6):
    db.execute("INSERT INTO outbox (id, channel, kind, created_us, subject, payload, next_attempt_us, sent_us) "
               "VALUES (?, 'it', 'diff', ?, 'private subject', x'5345435245543a', ?, ?)",
               ('d%d' % d, now - d * day, now - d * day, now - d * day + 5))
db.execute("INSERT INTO outbox (id, channel, kind, created_us, payload, next_attempt_us, sent_us) "
           "VALUES ('a1', 'it', 'alert', ?, x'00', ?, ?)", (now - 2 * day, now - 2 * day, now - 2 * day + 5))
db.execute("INSERT INTO outbox (id, channel, kind, created_us, payload, next_attempt_us, last_error) "
           "VALUES ('d9', 'it', 'diff', ?, x'00', ?, 'refused')", (now - 3 * day, now))
db.execute("INSERT INTO outbox (id, channel, kind, created_us, payload, next_attempt_us, sent_us) "
           "VALUES ('t1', 'it', 'test', ?, x'00', ?, ?)", (now - day, now - day, now - day + 5))
db.commit()
PY
"$bin" central sync --config line1.toml --db l1.db >sync1.txt 2>&1
check "line1 sync exits 0" test $? -eq 0
check "the reviews arrived" test "$(pg_sql -d mieruka -tAc "SELECT count(*) FROM reviews WHERE sensor_name = 'line1'")" = 31
check "the diffs and alerts arrived, not the test" \
  test "$(pg_sql -d mieruka -tAc "SELECT string_agg(id || ':' || kind || ':' || (sent_us IS NOT NULL), ',' ORDER BY id) FROM outbox WHERE sensor_name = 'line1'")" = \
  "a1:alert:true,d1:diff:true,d2:diff:true,d3:diff:true,d4:diff:true,d5:diff:true,d9:diff:false"
check "no subject or payload centrally" \
  test "$(pg_sql -d mieruka -tAc "SELECT count(*) FROM information_schema.columns WHERE table_name = 'outbox' AND column_name IN ('subject', 'payload')")" = 0
check "line1's config of the reviews arrived" \
  test "$(pg_sql -d mieruka -tAc "SELECT time_zone || '|' || review_schedule || '|' || schedule_zone || '|' || diff_channels FROM sensors WHERE sensor_name = 'line1'")" = \
  "Asia/Tokyo|daily 07:30|Asia/Tokyo|1"
check "line2's too (no schedule)" \
  test "$(pg_sql -d mieruka -tAc "SELECT time_zone || '|' || review_schedule || '|' || schedule_zone || '|' || diff_channels FROM sensors WHERE sensor_name = 'line2'")" = \
  "Europe/Berlin|||0"

# 2. The same reports from either store. Masked: the database (path or URL)
#    and the times of this run (made at, the review period ending then and
#    starting 30 days before, as UTC or local times), which differ between
#    two runs a second apart.
dates=$("$py" -c '
import datetime as d
t = d.datetime.now(d.timezone.utc)
print("|".join(sorted({(t + d.timedelta(days=k)).strftime("%Y-%m-%d") for k in (-31, -30, -29, -1, 0, 1)})))')
# The diagrams of the HTML (Graphviz's SVG) are compared as their lines in
# byte order: the order Graphviz writes a drawing's clusters in follows its
# memory layout, which differs between two processes that read different
# stores; the drawing (each element and its coordinates) does not.
mask() {  # mask FILE DB
  sed -E -e "s#$2#<db>#g" -e "s#($dates)([T ][0-9:]+(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?#<time>#g" "$1" |
    "$py" -c '
import re, sys
text = sys.stdin.read()
print(re.sub(r"<svg.*?</svg>", lambda m: "\n".join(sorted(m.group(0).split("\n"))), text, flags=re.S), end="")'
}
same_report() {  # same_report NAME SENSOR ARGS...: sensor's ledger vs central, masked
  local name="$1" s="$2"; shift 2
  local db="l${s#line}.db"
  "$bin" "$@" --config "$s.toml" --db "$db" --output "$name.sq" 2>"$name.sq.err"; local a=$?
  "$bin" "$@" --config "$s.toml" --db "$central" --password-file viewer.pw --sensor "$s" --output "$name.pg" \
    2>"$name.pg.err"; local b=$?
  mask "$name.sq" "$db" >"$name.sq.m"; mask "$name.pg" "$central" >"$name.pg.m"
  if [ "$a" -ne 0 ] || [ "$b" -ne 0 ]; then
    echo "  exit $a (ledger) / $b (central)"; cat "$name.sq.err" "$name.pg.err"; return 1
  fi
  if ! cmp -s "$name.sq.m" "$name.pg.m"; then diff "$name.sq.m" "$name.pg.m" | head -10; return 1; fi
  # What was masked is only the database and this run's times.
  [ "$(diff <(sed "s#$db#<db>#g" "$name.sq") <(sed "s#$central#<db>#g" "$name.pg") | grep -c '^[<>]' | tr -d ' ')" -le 12 ]
}
for lang in en ja; do
  for f in json csv html; do
    check "line1 checklist $f $lang: central = ledger" same_report "cl_1_${f}_$lang" line1 export checklist --format "$f" --lang "$lang"
  done
done
check "line2 checklist json: central = ledger" same_report cl_2_json line2 export checklist --format json --lang en
check "line1 checklist --baseline m1: central = ledger" same_report cl_1_base line1 export checklist --baseline m1 --lang en
for f in text json html; do
  check "line1 acceptance $f: central = ledger" same_report "acc_1_$f" line1 report acceptance --baseline m1 --format "$f" --lang en
  check "line1 acceptance $f --since: central = ledger" same_report "acc_1s_$f" line1 report acceptance --since 2000-01-01 --format "$f"
done
check "line2 acceptance json: central = ledger" same_report acc_2_json line2 report acceptance --since 2000-01-01 --format json
# The evidence is there, not merely equal: level 5 from the replicated
# reviews; the undelivered diff named; line2 (no schedule) says so.
check "line1 from central: the review as the appliance states it" "$py" -c "
import json; d=json.load(open('cl_1_json_en.pg')); r=d['review']
assert r['schedule']=='daily 07:30' and r['scheduled_snapshots']>=30 and r['diffs_queued']==6 and r['diffs_delivered']==5, r
assert r['alerts_delivered']==1 and r['channels']==1 and r['shortfall']=='only 5 of 6 diffs were delivered', r
assert r['monitored_seconds']==30*86400 and r['drops']==100, r
assert d['sensor_name']=='line1' and d['db']['path'].startswith('postgresql://viewer@') and d['db']['snapshots']==1, d['db']"
check "line2 from central: no schedule" "$py" -c "
import json; r=json.load(open('cl_2_json.pg'))['review']; assert r['schedule'] is None and r['scheduled_snapshots']==0, r"
check "the acceptance report names the baseline" grep -q '"basis": "snapshot m1"' acc_1_json.pg

# 2b. The checklist of the fleet (line1 and line2 as one report). line1's
#     undelivered diff delivered first, so that line1 alone meets level 5:
#     the fleet's levels 4 and 5 fall to line2's (no schedule).
sqlite3 l1.db "UPDATE outbox SET sent_us = created_us + 5, last_error = '' WHERE id = 'd9'"
"$bin" central sync --config line1.toml --db l1.db >sync1b.txt 2>&1
check "line1 sync (its last diff delivered) exits 0" test $? -eq 0
fleet_cl() { "$bin" export checklist --config line1.toml --db "$central" --password-file viewer.pw "$@"; }
fleet_cl --format json --lang en --output fl_en.json 2>fl_en.err; rc=$?
check "the fleet's checklist (no --sensor: every sensor) exits 0" test "$rc" -eq 0
fleet_cl --sensor line2,line1 --format json --lang en --output fl_21.json 2>/dev/null
fleet_cl --sensor line1 --format json --lang en --output fl_1.json 2>/dev/null
"$bin" assets --format json --config line1.toml --db "$central" --password-file viewer.pw >fl_assets.json 2>/dev/null
check "the fleet's checklist: the merged fleet's devices once, each sensor's review, the weakest deciding" \
  "$py" - fl_en.json fl_assets.json fl_1.json fl_21.json <<'PY'
import json, sys
d, assets, one, other_order = (json.load(open(p)) for p in sys.argv[1:5])
assert d['sensor_name'] == 'line1, line2', d['sensor_name']
ids = [a['id'] for a in d['assets']]
assert len(ids) == len(set(ids)), 'a device listed twice'
assert sorted(ids) == sorted(a['id'] for a in assets) and d['db']['assets'] == len(assets), (len(ids), len(assets))
assert any(len(a.get('sightings', [])) == 2 for a in d['assets']), 'no device seen by both sensors'
f = d['fleet']
assert [s['name'] for s in f['sensors']] == ['line1', 'line2'], f['sensors']
l1, l2 = f['sensors']
assert l1['review']['periodic'] and l1['review']['continuous'] and l1['review']['schedule'] == 'daily 07:30', l1
assert l2['review']['schedule'] is None and not l2['review']['periodic'], l2
assert l2['review']['shortfall'].startswith('configure a [snapshots] schedule'), l2['review']['shortfall']
assert f['weakest'] == 'line2' and d['review']['sensor'] == 'line2' and not d['review']['periodic'], d['review']
# Tokyo (line1) and Berlin (line2): the reading config's zone, said so.
assert f['time_zone'] == 'Asia/Tokyo' and f['time_zone_basis'] == 'config', f
assert d['db']['snapshots'] == l1['snapshots'] + l2['snapshots'] == 1, d['db']
# line1 alone reaches 4 or 5 on the review evidence; the fleet does not.
lv1 = {i['id']: (i['level'], i['rule']['id']) for i in one['items']}
lvf = {i['id']: (i['level'], i['rule']['id']) for i in d['items']}
fell = [k for k, (lv, rule) in lv1.items() if rule.endswith(('.periodic', '.continuous'))]
assert one['review']['continuous'] and fell, lv1
assert not [k for k, (lv, rule) in lvf.items() if rule.endswith(('.periodic', '.continuous'))], lvf
assert all(lvf[k][0] is None or lvf[k][0] < lv1[k][0] for k in fell), (fell, lvf)
det = [e['ref'] for i in d['items'] if i['id'] == '3-7' for e in i['evidence'] if e['kind'] == 'detection']
assert det == ['line1', 'line2'], det
assert d['changes'] is None and d['new_since']['basis'] == 'last 30 days', d['new_since']
assert [(i['id'], i['level'], i['rule']['id']) for i in other_order['items']] == \
       [(i['id'], i['level'], i['rule']['id']) for i in d['items']], 'the order of --sensor changed the report'
print(len(ids), 'devices;', 'fell to the weakest:', ','.join(fell))
PY
fleet_cl --baseline 2000-01-01 --format json --lang en --output fl_since.json 2>fl_since.err; rc=$?
check "the fleet's checklist with a time baseline exits 0" test "$rc" -eq 0
check "  every device is new since then (2-12), no snapshot named" "$py" -c "
import json; d=json.load(open('fl_since.json')); it={i['id']: i for i in d['items']}
assert d['new_since']['basis']=='since 2000-01-01' and d['changes'] is None, d['new_since']
assert it['2-12']['counts']['new_devices']==it['2-6']['counts']['assets']>0, it['2-12']['counts']"
fleet_cl --baseline m1 >fl_m1.txt 2>&1; rc=$?
check "the fleet's checklist against a snapshot refused in one line" test "$rc" -eq 1 -a "$(wc -l <fl_m1.txt)" -eq 1
check "  saying a snapshot is one sensor's" grep -q 'sensors `line1`, `line2` are selected and a snapshot is one sensor.s: give --baseline TIME for the fleet' fl_m1.txt
fleet_cl --site nowhere >fl_site.txt 2>&1; rc=$?
check "the fleet's checklist of an unknown site refused in one line" test "$rc" -eq 1 -a "$(wc -l <fl_site.txt)" -eq 1
for f in html csv; do
  fleet_cl --format "$f" --lang ja --output "fl_ja.$f" 2>/dev/null
  check "the fleet's checklist $f ja exits 0" test $? -eq 0
done
check "ja: each sensor's review named, the weakest, the zone said, no English sentence" \
  "$py" - fl_ja.html fl_ja.csv <<'PY'
import html, re, sys
page, csv = open(sys.argv[1], encoding='utf-8').read(), open(sys.argv[2], encoding='utf-8-sig', newline='').read()
# The heuristic of tests/unit/english_text.hpp: three English words in one
# ASCII stretch, data (the sensors, the schedule, the zone) masked first.
data = ['line1', 'line2', 'daily 07:30', 'Asia/Tokyo', 'timezone', 'mieruka report acceptance']
def english_run(text):
    for a in data: text = text.replace(a, '・')
    for run in re.findall(r'[\x00-\x7f]+', text):
        words = [w for w in re.findall(r'[A-Za-z0-9_]+', run) if len(w) >= 3 and re.fullmatch('[A-Za-z]+', w) and re.search('[a-z]', w)]
        if len(words) >= 3: return run.strip()
    return ''
def text(h): return html.unescape(re.sub(r'<[^>]+>', ' ', h))
part = re.search(r'<div id="fleet-review">(.*?)</div>', page, re.S).group(1)
assert '<td>line1</td>' in part and '<td>line2</td>' in part and 'line2 が決める' in part, part[:300]
zone = re.search(r'<tr><th>時刻の表示</th><td>(.*?)</td></tr>', page).group(1)
assert zone.startswith('Asia/Tokyo（センサーのタイムゾーンが異なる'), zone
changes = re.search(r'<section id="changes">(.*?)</section>', page, re.S).group(1)
assert '共通のスナップショットはない' in changes, changes
rows = [l for l in csv.split('\r\n') if l.startswith(',,,')]
assert [r.split(',')[3] for r in rows] == ['time_zone', 'sensor_review', 'sensor_review', 'weakest_sensor'], rows
bad = [(t[:80], english_run(t)) for t in [text(part), text(zone), text(changes)] + rows if english_run(t)]
assert not bad, bad
PY
"$bin" ack --config line2.toml --db l2.db "$("$py" -c "
import json; d=json.load(open('fl_en.json'))
print(next(f['id'] for i in d['items'] for f in i['findings'] if any(s['sensor'] == 'line2' and len(a.get('sightings', [])) == 1 for a in d['assets'] if a['id'] == f['asset'] for s in a.get('sightings', []))))")" --comment "line2 knows it" >ack2.txt 2>&1
check "an acknowledgement on line2's appliance" test $? -eq 0
"$bin" central sync --config line2.toml --db l2.db >/dev/null 2>&1
fleet_cl --format json --lang en --output fl_ack.json 2>/dev/null
check "  the fleet's checklist applies line2's acknowledgement" "$py" -c "
import json
before=sum(len(i['findings']) for i in json.load(open('fl_en.json'))['items'])
after=sum(len(i['findings']) for i in json.load(open('fl_ack.json'))['items'])
assert after < before, (before, after)"

# 3. A change of config travels with the next batch: no channel for diffs.
sed -i 's/^kinds = \["diff", "alert"\]/kinds = ["alert"]/' line1.toml
"$bin" snapshot --config line1.toml --db l1.db --name m2 >/dev/null 2>&1
"$bin" central sync --config line1.toml --db l1.db >sync2.txt 2>&1
check "line1 sync again exits 0" test $? -eq 0
check "  no diff channel now" test "$(pg_sql -d mieruka -tAc "SELECT diff_channels FROM sensors WHERE sensor_name = 'line1'")" = 0
check "line1 checklist after the change: central = ledger" same_report cl_1_after line1 export checklist --format json --lang en
check "  the central one says so" "$py" -c "
import json; d=json.load(open('cl_1_after.pg')); r=d['review']
assert r['channels']==0 and r['shortfall']=='no delivery channel is configured: the diffs reach nobody', r
assert d['db']['snapshots']==2, d['db']"

# 4. Refusals: a fleet's acceptance report against a snapshot, an unknown
#    sensor, a sensor that has not sent its config (as a store upgraded
#    before the sensor), in one fleet's checklist too.
"$bin" report acceptance --baseline m1 --db "$central" --password-file viewer.pw --sensor line1,line2 >two2.txt 2>&1; rc=$?
check "a fleet's acceptance against a snapshot refused (a snapshot is one sensor's)" test "$rc" -eq 1
check "  saying to give --since" grep -q 'a snapshot is one sensor.s: give --since TIME for the fleet' two2.txt

# 5. The fleet's acceptance report (--since): each device once (the merged
#    fleet ledger, as `assets` reads it), with the sensors that saw it.
"$bin" report acceptance --since 2000-01-01 --format json --config line1.toml --db "$central" --password-file viewer.pw \
  --output fleet_acc.json 2>fleet_acc.err; rc=$?
check "fleet acceptance exits 0" test "$rc" -eq 0
"$bin" assets --format json --config line1.toml --db "$central" --password-file viewer.pw >fleet_assets.json 2>/dev/null
"$bin" report acceptance --since 2000-01-01 --format json --config line2.toml --db l2.db --output acc_l2_all.json 2>/dev/null
check "the fleet's devices: once each, with the sensors that saw them" "$py" - fleet_acc.json fleet_assets.json acc_1s_json.pg acc_l2_all.json <<'PY'
import json, sys
fleet, assets, one, two = (json.load(open(p)) for p in sys.argv[1:5])
assert fleet['sensor_name'] == 'line1, line2', fleet['sensor_name']
got = {d['asset']['id']: sorted(s['sensor'] for s in d['asset'].get('sightings', [])) for d in fleet['devices']}
want = {a['id']: sorted(s['sensor'] for s in a.get('sightings', [])) for a in assets}
assert len(got) == len(fleet['devices']), 'a device listed twice'
assert got == want, (got, want)
ids1 = {d['asset']['id'] for d in one['devices']}; ids2 = {d['asset']['id'] for d in two['devices']}
both = {i for i, s in got.items() if s == ['line1', 'line2']}
assert both and both <= ids1 & ids2, (both, ids1 & ids2)
assert len(got) < len(ids1) + len(ids2), (len(got), len(ids1), len(ids2))
assert fleet['counts']['devices'] == len(got) == len(fleet['devices']), fleet['counts']
print(len(got), 'devices,', len(both), 'seen by both; line1', len(ids1), 'line2', len(ids2))
PY
"$bin" report acceptance --since 2000-01-01 --format json --config line1.toml --db "$central" --password-file viewer.pw \
  --sensor line2,line1 --output fleet_acc2.json 2>/dev/null
check "the fleet's report whatever order the sensors are given in" cmp -s <(sed '/"generated_at"/d' fleet_acc.json) <(sed '/"generated_at"/d' fleet_acc2.json)
"$bin" report acceptance --since 2000-01-01 --db "$central" --password-file viewer.pw --site nowhere >site.txt 2>&1; rc=$?
check "an unknown site refused" test "$rc" -eq 1
"$bin" export checklist --db "$central" --password-file viewer.pw --sensor line9 >nine.txt 2>&1; rc=$?
check "an unknown sensor refused with the names held" test "$rc" -eq 1 -a "$(grep -c 'no records of sensor `line9`; it holds `line1`, `line2`' nine.txt)" -eq 1
pg_sql -d mieruka -c "UPDATE sensors SET review_schedule = NULL WHERE sensor_name = 'line2'" >/dev/null
"$bin" export checklist --db "$central" --password-file viewer.pw --sensor line2 >unsent.txt 2>&1; rc=$?
check "a sensor that sent no config yet: refused, not guessed" test "$rc" -eq 1
check "  saying how to send it" grep -q 'sensor `line2` has not sent its time zone, snapshot schedule and diff channels yet.*central sync' unsent.txt
check "  in one line" test "$(wc -l <unsent.txt)" -eq 1
"$bin" export checklist --db "$central" --password-file viewer.pw --sensor line1,line2 >unsent2.txt 2>&1; rc=$?
check "  and in a fleet's checklist, named, in one line" test "$rc" -eq 1 -a "$(wc -l <unsent2.txt)" -eq 1 -a "$(grep -c 'sensor `line2` has not sent' unsent2.txt)" -eq 1
"$bin" central sync --config line2.toml --db l2.db >sync3.txt 2>&1
check "a sync with nothing queued sends it" grep -q ": 0 change(s) replicated" sync3.txt
check "  and the checklist is made again: central = ledger" same_report cl_2_again line2 export checklist --format json --lang en
check "the kept row counts (reviews, outbox...) = count(*)" exact_counts
check "  reviews and deliveries among them" test "$(pg_sql -d mieruka -tAc "SELECT count(*) FROM row_counts WHERE table_name IN ('reviews', 'outbox') AND n > 0")" -gt 0
check "no password in any output" test "$(cat ./*.txt ./*.err | grep -c -F -f <(cat line1.pw line2.pw viewer.pw owner.pw))" -eq 0

exit $fail
