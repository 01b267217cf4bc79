#!/usr/bin/env bash
# End to end in a browser: headless Chromium (Debian chromium + chromedriver,
# driven by selenium from /usr/bin/python3) against `mieruka serve` over a ledger
# holding a sample plant and pcaps/hostile_names.pcapng, whose device names carry
# HTML and script payloads. tests/e2e/web/browser_test.py does the clicking.
# Screenshots are kept in $MIERUKA_WEB_SCREENSHOTS (default: a new directory
# under /tmp, printed at the end).
# Usage: web_browser.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; src="$2"
py=/usr/bin/python3
for f in "$src/pcaps/factory_sample.pcapng" "$src/pcaps/hostile_names.pcapng"; do
  [ -f "$f" ] || { echo "skip: $f missing"; exit 77; }
done
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { echo "skip: chromium / chromedriver missing"; exit 77; }
"$py" -c 'import selenium' 2>/dev/null || { echo "skip: python3-selenium missing"; exit 77; }
tmp="$(mktemp -d)"
shots="${MIERUKA_WEB_SCREENSHOTS:-$(mktemp -d /tmp/mieruka-web-screens.XXXXXX)}"
pid=""
cleanup() { [ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }; rm -rf "$tmp"; }
trap cleanup EXIT
db="$tmp/m.db"
# Two snapshots: "before" the hostile-names capture and "baseline" after it, so
# that the Changes page's default (the last two) lists the hostile devices.
"$bin" read -q "$src/pcaps/factory_sample.pcapng" --db "$db" >/dev/null 2>&1 || { echo "FAIL read"; exit 1; }
"$bin" snapshot --db "$db" --name before >/dev/null 2>&1
"$bin" read -q "$src/pcaps/hostile_names.pcapng" --db "$db" >/dev/null 2>&1 || { echo "FAIL read"; exit 1; }
"$bin" snapshot --db "$db" --name baseline >/dev/null 2>&1
advisories="$src/../shared/advisories/csaf"
[ -d "$advisories" ] && "$bin" advisories import -q --db "$db" "$advisories"
printf 'adminpass1\n' | "$bin" user add admin --role admin --db "$db" --password-file - 2>/dev/null ||
  { echo "FAIL user add"; exit 1; }
printf 'mac,ip,name\r\n' >"$tmp/approved.csv"
"$bin" serve --db "$db" --http --listen 127.0.0.1:0 --approved "$tmp/approved.csv" >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^mieruka: serving \([^ ]*\) .*/\1/p' "$tmp/serve.out" 2>/dev/null)"
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$url" ] || { echo "FAIL serve did not start"; cat "$tmp/serve.err"; exit 1; }
HOME="$tmp" "$py" "$src/tests/e2e/web/browser_test.py" "$url" "$shots"
rc=$?
echo "screenshots in $shots"
exit $rc
