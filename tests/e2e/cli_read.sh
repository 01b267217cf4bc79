#!/usr/bin/env bash
# End to end: `mieruka read` and the ledger views, as a plant engineer uses them.
# Usage: cli_read.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$1"; src="$2"
sample="$src/pcaps/factory_sample.pcapng"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
check() {  # check NAME CONDITION...
  local name="$1"; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}

# 1. Reading the sample into the default database in the working directory.
"$bin" read "$sample" >out.txt 2>err.txt; rc=$?
check "read exits 0" test "$rc" -eq 0
check "default db created here" test -f mieruka.db
check "summary printed" grep -q "packets" err.txt
"$bin" assets --format json >assets1.json; check "assets json exits 0" test $? -eq 0
check "PLC MAC in ledger" grep -q '"00:00:bc:12:34:56"' assets1.json
check "M340 IP in ledger" grep -q '"10.10.1.30"' assets1.json
check "office host behind the router is its own asset" grep -q '"192.168.10.25"' assets1.json
"$bin" links --format csv >links1.csv; check "links csv exits 0" test $? -eq 0
"$bin" assets >table.txt; check "assets table has a header" grep -qi "mac" table.txt
"$bin" show 00-00-BC-12-34-56 >show.txt; check "show accepts another MAC spelling" test $? -eq 0

# 2. Reading the same file again duplicates nothing.
"$bin" read "$sample" >/dev/null 2>err2.txt; rc=$?
check "re-read exits 0" test "$rc" -eq 0
check "re-read says skipped" grep -q "already" err2.txt
"$bin" links --format csv >links2.csv
check "links unchanged after re-read" cmp -s links1.csv links2.csv
"$bin" read --force "$sample" >/dev/null 2>&1
"$bin" assets --format json >assets3.json
check "forced re-read keeps one asset per MAC" test "$(grep -c '"00:00:bc:12:34:56"' assets3.json)" -eq 1

# 3. Bad input: one line on stderr, exit 1.
echo "hello, not a capture" >notcap.pcap
"$bin" read --db x.db notcap.pcap >/dev/null 2>err3.txt; rc=$?
check "not a capture exits 1" test "$rc" -eq 1
check "not a capture: one line naming the file" test "$(wc -l <err3.txt)" -eq 1 -a -n "$(grep notcap.pcap err3.txt)"
"$bin" read --db x.db missing.pcap >/dev/null 2>err4.txt; rc=$?
check "missing file exits 1" test "$rc" -eq 1
check "missing file named" grep -q "missing.pcap" err4.txt
"$bin" assets --db nowhere.db >/dev/null 2>err5.txt; rc=$?
check "assets without a db exits 1" test "$rc" -eq 1
"$bin" assets --format xml >/dev/null 2>&1; rc=$?
check "bad --format exits 1" test "$rc" -eq 1
"$bin" show 11:22:33:44:55:66 >/dev/null 2>&1; rc=$?
check "unknown asset exits 1" test "$rc" -eq 1

# 4. A capture cut short is read up to the cut, with a warning.
size=$(stat -c %s "$sample")
head -c $((size - 37)) "$sample" >cut.pcapng
"$bin" read --db cut.db cut.pcapng >/dev/null 2>err6.txt; rc=$?
check "cut capture exits 0" test "$rc" -eq 0
check "cut capture warns" grep -qi "cut\|truncat" err6.txt
"$bin" assets --db cut.db --format json >cut.json
check "cut capture still has the PLC" grep -q '"00:00:bc:12:34:56"' cut.json

exit $fail
