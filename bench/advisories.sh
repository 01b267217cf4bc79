#!/usr/bin/env bash
# bench/advisories.sh: `mieruka advisories import` of about 2,400 CSAF documents
# (the size of CISA's whole ICS set) into a fresh database (docs/performance.md).
#
#   bench/advisories.sh MIERUKA_BINARY [ADVISORY_DIR] [COPIES]
#   e.g. bench/advisories.sh build/mieruka ../shared/advisories/csaf 12
#
# Makes COPIES (default 12) copies of every document of ADVISORY_DIR (default
# ../shared/advisories/csaf next to the source tree) in a temporary directory,
# each copy with its own tracking id (ICSA-20-056-01 -> ICSA-20-056-01-C03), so
# every copy is a distinct advisory; then times one import of the directory under
# /usr/bin/time -v: wall clock, CPU (user + system) and maximum resident set size.
# Bar: under a minute and under 256 MiB.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
bin="$(realpath "$1")"
here="$(cd "$(dirname "$0")/.." && pwd)"
src_dir="${2:-$here/../shared/advisories/csaf}"
copies="${3:-12}"
[[ -x /usr/bin/time ]] || { echo "advisories.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }
[[ -d "$src_dir" ]] || { echo "advisories.sh: $src_dir: no such directory" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

/usr/bin/python3 - "$src_dir" "$tmp/docs" "$copies" <<'PY'
import json, os, sys
src, out, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out)
n = 0
for name in sorted(os.listdir(src)):
    if not name.endswith('.json'):
        continue
    text = open(os.path.join(src, name), encoding='utf-8').read()
    doc = json.loads(text)
    base = doc['document']['tracking']['id']
    for c in range(copies):
        doc['document']['tracking']['id'] = '%s-C%02d' % (base, c)
        with open(os.path.join(out, '%s-c%02d.json' % (name[:-5], c)), 'w', encoding='utf-8') as f:
            json.dump(doc, f, ensure_ascii=False)
        n += 1
print('documents:', n, file=sys.stderr)
PY
du -sh "$tmp/docs" | awk '{print "size: " $1}' >&2

/usr/bin/time -v "$bin" advisories import --db "$tmp/bench.db" "$tmp/docs" 2>"$tmp/time.txt" >/dev/null || {
  cat "$tmp/time.txt" >&2
  exit 1
}
grep -v '^\s' "$tmp/time.txt" | grep -v '^$' >&2 || true
awk -F': ' '
  /Elapsed \(wall clock\)/ { wall = $2 }
  /User time/ { user = $2 }
  /System time/ { sys = $2 }
  /Maximum resident set size/ { rss = $2 }
  END { printf "wall %s, cpu %.2f s (user %s + sys %s), max RSS %.1f MiB\n", wall, user + sys, user, sys, rss / 1024 }
' "$tmp/time.txt"
"$bin" advisories list --db "$tmp/bench.db" | tail -1
