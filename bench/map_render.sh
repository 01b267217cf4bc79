#!/usr/bin/env bash
# Benchmark (not a timed test) of the console's network map in headless
# Chromium: time to first render of the plant level and of the largest zone, for
# a synthetic plant of DEVICES devices and, in the same run, a baseline of
# BASELINE devices; the ratio says how the map scales.
# Each ledger comes from bench/mieruka_gen_ledger (addresses 10.0.0.1 up, PLCs,
# HMIs, an engineering station and office hosts per 1,000) with zones written
# here: the last 40% of its /24s are office zones (Purdue level 4) of at most
# 8 /24s each (about 2,000 devices, the largest zones), the rest are split over
# up to 23 cells (levels 1 and 2); conduits
# allow Modbus between cells only, so the DNS, SMB and S7 traffic across zones
# is drawn as violations. Needs chromium, chromedriver and python3-selenium.
# Usage: bench/map_render.sh BUILD_DIR [DEVICES] [BASELINE] [RUNS]
#   BUILD_DIR holds mieruka and bench/mieruka_gen_ledger (MIERUKA_BENCH=ON).
set -eu
build="$(cd "$1" && pwd)"; devices="${2:-10000}"; baseline="${3:-1000}"; runs="${4:-3}"
here="$(cd "$(dirname "$0")" && pwd)"
bin="$build/mieruka"; gen="$build/bench/mieruka_gen_ledger"
[ -x "$gen" ] || gen="$build/mieruka_gen_ledger"
[ -x "$bin" ] && [ -x "$gen" ] || { echo "build mieruka and mieruka_gen_ledger in $build first"; exit 1; }
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { echo "chromium / chromedriver missing"; exit 1; }
tmp="$(mktemp -d)"; pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT

# zones N: the config for a ledger of N devices.
zones() {
  local n="$1" nets cells office i z first
  nets=$(( (n + 255) / 256 )); office=$(( nets * 2 / 5 )); [ "$office" -ge 1 ] || office=1
  cells=$(( nets - office )); [ "$cells" -le 23 ] || cells=23
  printf 'sensor_name = "bench"\n\n'
  # Cell z holds /24s first..: the cell nets spread evenly over the cells.
  local cellnets=$(( nets - office ))
  for z in $(seq 0 $(( cells - 1 ))); do
    printf '[[zone]]\nname = "cell-%02d"\nlevel = %d\nsubnets = [' "$z" $(( 1 + z % 2 ))
    first=1
    for i in $(seq 0 $(( cellnets - 1 ))); do
      [ $(( i * cells / cellnets )) -eq "$z" ] || continue
      [ "$first" -eq 1 ] || printf ', '; first=0
      printf '"10.0.%d.0/24"' "$i"
    done
    printf ']\n\n'
  done
  # Office zones: 8 /24s each, the last one the rest.
  for i in $(seq "$cellnets" $(( nets - 1 ))); do
    if [ $(( (i - cellnets) % 8 )) -eq 0 ]; then
      [ "$i" -eq "$cellnets" ] || printf ']\n\n'
      printf '[[zone]]\nname = "office-%d"\nlevel = 4\nsubnets = [' $(( (i - cellnets) / 8 + 1 ))
    else
      printf ', '
    fi
    printf '"10.0.%d.0/24"' "$i"
  done
  printf ']\n\n[[conduit]]\nfrom = "cell-*"\nto = "cell-*"\nprotocols = ["modbus"]\n'
}

# serve N: a ledger of N devices served on loopback; sets $url.
serve() {
  local n="$1" d="$tmp/$1"
  mkdir -p "$d"
  zones "$n" >"$d/mieruka.toml"
  "$gen" --assets "$n" --sensor bench "$d/m.db" >/dev/null
  printf 'benchpass1\n' | "$bin" user add bench --role admin --db "$d/m.db" --password-file - 2>/dev/null
  "$bin" serve --config "$d/mieruka.toml" --db "$d/m.db" --http --listen 127.0.0.1:0 >"$d/serve.out" 2>"$d/serve.err" &
  pids+=($!)
  for _ in $(seq 1 300); do grep -qs serving "$d/serve.out" && break; sleep 0.1; done
  url="$(sed -n 's/^mieruka: serving \([^ ]*\) .*/\1/p' "$d/serve.out")"
}

serve "$baseline"; base_url="$url"
serve "$devices"; big_url="$url"
[ -n "$base_url" ] && [ -n "$big_url" ] || { echo "serve did not start"; cat "$tmp"/*/serve.err; exit 1; }
HOME="$tmp" /usr/bin/python3 "$here/map_render.py" "$runs" "$baseline=$base_url" "$devices=$big_url"
