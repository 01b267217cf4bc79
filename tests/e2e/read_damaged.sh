#!/usr/bin/env bash
# End to end: `mieruka read` of damaged and growing captures. A corrupt record
# is reported with its offset, the records after it are read and saved, and
# the exit code is 1 (bad input); a capture read while it was being written is
# continued later from where the first read stopped, each packet counted once.
# Usage: read_damaged.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$1"; src="$2"
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
check() {  # check NAME CONDITION...
  local name="$1"; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}

# The sample as classic pcap (its blocks are little-endian enhanced packet
# blocks with microsecond times), and the offsets of its records.
python3 - "$src/pcaps/l3_core.pcapng" sample.pcap <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read()
out = [struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
off = 0
while off + 12 <= len(b):
    t, n = struct.unpack_from('<II', b, off)
    if t == 6:
        _, hi, lo, cap, wire = struct.unpack_from('<IIIII', b, off + 8)
        ts = (hi << 32) | lo
        out.append(struct.pack('<IIII', ts // 1000000, ts % 1000000, cap, wire) + b[off + 28:off + 28 + cap])
    off += n
open(sys.argv[2], 'wb').write(b''.join(out))
PY
records() {  # records FILE: the offset of every record of a classic pcap
  python3 - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read(); off = 24
while off + 16 <= len(b):
    print(off); off += 16 + struct.unpack_from('<I', b, off + 8)[0]
PY
}
mapfile -t at < <(records sample.pcap)
n=${#at[@]}
check "sample has records" test "$n" -gt 100

# 1. Huge caplen in the middle of a classic pcap: reported with its offset.
mid=${at[$((n / 2))]}
python3 - sample.pcap huge.pcap "$mid" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read()); off = int(sys.argv[3])
struct.pack_into('<I', b, off + 8, 0xFFFFFFF0)
open(sys.argv[2], 'wb').write(b)
PY
"$bin" read --db whole.db sample.pcap >/dev/null 2>&1
"$bin" read --db huge.db huge.pcap >/dev/null 2>err1.txt; rc=$?
check "corrupt record: exit 1" test "$rc" -eq 1
check "corrupt record: offset named" grep -q "huge.pcap: corrupt record at offset $mid" err1.txt
check "corrupt record: not called truncated" test "$(grep -c "mid-record" err1.txt)" -eq 0
"$bin" links --db whole.db --format csv | sort >whole_links.csv
"$bin" links --db huge.db --format csv | sort >huge_links.csv
check "corrupt record: the records after it were read and saved" \
  test "$(wc -l <huge_links.csv)" -ge "$(($(wc -l <whole_links.csv) * 9 / 10))"

# 2. The same in pcapng: a block whose leading length is 0xFFFFFFF0.
bad="$(python3 - "$src/pcaps/l3_core.pcapng" huge.pcapng <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read()); off = 0; blocks = []
while off + 12 <= len(b):
    t, n = struct.unpack_from('<II', b, off)
    if t == 6: blocks.append(off)
    off += n
bad = blocks[len(blocks) // 2]
struct.pack_into('<I', b, bad + 4, 0xFFFFFFF0)
open(sys.argv[2], 'wb').write(b); print(bad)
PY
)"
"$bin" read --db ng.db huge.pcapng >/dev/null 2>err2.txt; rc=$?
check "corrupt pcapng block: exit 1" test "$rc" -eq 1
check "corrupt pcapng block: offset named" grep -q "huge.pcapng: corrupt block at offset $bad " err2.txt
"$bin" read --db ng_whole.db "$src/pcaps/l3_core.pcapng" >/dev/null 2>&1
check "corrupt pcapng block: the blocks after it were read" \
  test "$("$bin" links --db ng.db --format csv | wc -l)" -ge "$(($("$bin" links --db ng_whole.db --format csv | wc -l) * 9 / 10))"

# 3. A capture still being written: its first part, cut mid-record, then the
# whole file. Each packet is counted once: the ledger equals a single read's
# (without the SPAN duplicate filter, whose window does not span two reads).
total() {  # total DB: the packets the ledger's links carry
  "$bin" links --db "$1" --format json | python3 -c 'import json,sys; print(sum(l["packets"] for l in json.load(sys.stdin)))'
}
for f in sample.pcap "$src/pcaps/l3_core.pcapng"; do
  name="$(basename "$f")"
  size=$(stat -c %s "$f")
  head -c $((size * 2 / 3 + 5)) "$f" >"growing_$name"
  "$bin" read --no-dedup --db "grow_$name.db" "growing_$name" >/dev/null 2>&1; rc1=$?
  cp "$f" "growing_$name"
  "$bin" read --no-dedup --db "grow_$name.db" "growing_$name" >/dev/null 2>"err_$name.txt"; rc2=$?
  "$bin" read --no-dedup --db "once_$name.db" "$f" >/dev/null 2>&1
  check "$name growing: both reads exit 0" test "$rc1$rc2" = 00
  check "$name growing: second read continues" grep -q "continuing from there" "err_$name.txt"
  check "$name growing: each packet counted once" test "$(total "grow_$name.db")" -eq "$(total "once_$name.db")"
  "$bin" read --db "grow_$name.db" "growing_$name" >/dev/null 2>"err3_$name.txt"
  check "$name growing: a third read finds nothing new" grep -q "already in the ledger" "err3_$name.txt"
done
exit $fail
