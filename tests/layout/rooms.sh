#!/usr/bin/env bash
# Every dependency points down the data flow: a source file may include its own
# room and the rooms before it, never one after it. The room order is stated once,
# in docs/architecture.md between the "rooms: begin" and "rooms: end" markers
# (one `path` per line, lowest first); this script reads it from there.
#   rooms.sh SOURCE_DIR            checks the tree; lists each upward include
#   rooms.sh --self-test           checks that an upward include is caught
set -euo pipefail

check() {
  local top=$1
  local doc="$top/docs/architecture.md"
  if [ ! -f "$doc" ]; then
    echo "rooms: $doc not found: the room order is stated there" >&2
    return 2
  fi
  local rooms
  rooms=$(awk '/<!-- rooms: begin -->/{on=1; next} /<!-- rooms: end -->/{on=0} on' "$doc" |
          grep -o '`[a-z_/]*`' | head -n 1000 | tr -d '`' || true)
  if [ -z "$rooms" ]; then
    echo "rooms: no room order between the markers in $doc" >&2
    return 2
  fi
  (cd "$top" && find dissectors inventory sensor -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cc' \) |
     LC_ALL=C sort |
     xargs grep -H -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"|\`' /dev/null || true) |
  awk -v rooms="$rooms" '
    BEGIN {
      n = split(rooms, r, "\n")
      for (i = 1; i <= n; i++) rank[r[i]] = i
      bad = 0
    }
    function room_of(path,   best, i) {
      best = ""
      for (i = 1; i <= n; i++)
        if (index(path, r[i] "/") == 1 && length(r[i]) > length(best)) best = r[i]
      return best
    }
    {
      file = $0; sub(/:.*/, "", file)
      line = $0; sub(/^[^:]*:/, "", line); lno = line; sub(/:.*/, "", lno); sub(/^[^:]*:/, "", line)
      if (line !~ /^[[:space:]]*#[[:space:]]*include[[:space:]]*"/) {
        # A file'"'"'s first line (\` matches there): only to see that it is in a room.
        if (room_of(file) == "" && !(file in told)) { print file ": in no room (docs/architecture.md lists the rooms)"; told[file] = 1; bad = 1 }
        next
      }
      inc = line; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
      from = room_of(file)
      if (from == "") {
        if (!(file in told)) { print file ": in no room (docs/architecture.md lists the rooms)"; told[file] = 1; bad = 1 }
        next
      }
      if (inc !~ /^(dissectors|inventory|sensor)\//) next
      to = room_of(inc)
      if (to == "") { print file ":" lno ": includes " inc ", which is in no room"; bad = 1; next }
      if (rank[to] > rank[from]) {
        print file ":" lno ": includes " inc ": " from " may not depend on " to ", which comes after it"
        bad = 1
      }
    }
    END { exit bad }'
}

if [ "${1:-}" = "--self-test" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/docs" "$tmp/dissectors" "$tmp/inventory/ledger" "$tmp/sensor/capture" "$tmp/sensor/cli"
  printf '<!-- rooms: begin -->\n1. `dissectors`\n2. `inventory/ledger`\n3. `sensor/capture`\n4. `sensor/cli`\n<!-- rooms: end -->\n' \
    >"$tmp/docs/architecture.md"
  printf '#include "dissectors/a.hpp"\n' >"$tmp/dissectors/a.hpp"
  printf '#include "dissectors/a.hpp"\n#include "inventory/ledger/l.hpp"\n' >"$tmp/sensor/capture/c.hpp"
  printf '#include "sensor/capture/c.hpp"\n' >"$tmp/sensor/cli/m.cpp"
  printf '#include "dissectors/a.hpp"\n' >"$tmp/inventory/ledger/l.hpp"
  check "$tmp" >/dev/null || { echo "rooms self-test: a tree whose includes all point down was refused" >&2; exit 1; }
  printf '#include "sensor/cli/m.hpp"\n' >>"$tmp/sensor/capture/c.hpp"
  if check "$tmp" >/dev/null; then echo "rooms self-test: capture including cli was not caught" >&2; exit 1; fi
  sed -i '$d' "$tmp/sensor/capture/c.hpp"
  printf '#include "sensor/capture/c.hpp"\n' >>"$tmp/dissectors/a.hpp"
  if check "$tmp" >/dev/null; then echo "rooms self-test: dissectors including sensor was not caught" >&2; exit 1; fi
  sed -i '$d' "$tmp/dissectors/a.hpp"
  printf 'int x;\n' >"$tmp/sensor/flat.cpp"
  if check "$tmp" >/dev/null; then echo "rooms self-test: a file outside every room was not caught" >&2; exit 1; fi
  echo "rooms self-test: ok"
  exit 0
fi

top=${1:?usage: rooms.sh SOURCE_DIR | --self-test}
if check "$top"; then
  echo "rooms: every include points down the room order of docs/architecture.md"
else
  rc=$?
  [ "$rc" -eq 1 ] && echo "rooms: move the include's target down to the lowest room that uses it, or the code up" >&2
  exit "$rc"
fi
