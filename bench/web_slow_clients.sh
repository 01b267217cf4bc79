#!/usr/bin/env bash
# Benchmark (not a timed test) of the web console under clients that send an
# over-long request line (20 KB) and nothing more, the way a hostile client on
# the plant LAN holds a server's workers without logging in. Times the login
# page with no such client (median of RUNS requests), then with N of them
# connected (the worst of RUNS requests: the first one waits for the workers they
# hold, the later ones find them freed), and prints the ratio.
# Usage: bench/web_slow_clients.sh BUILD_DIR [CLIENTS] [RUNS]
set -eu
build="$(cd "$1" && pwd)"; clients="${2:-16}"; runs="${3:-9}"
bin="$build/mieruka"
[ -x "$bin" ] || { echo "build mieruka in $build first"; exit 1; }
src="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"; pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
"$bin" read -q "$src/pcaps/factory_sample.pcapng" --db "$tmp/m.db" >/dev/null
"$bin" serve --db "$tmp/m.db" --http --listen 127.0.0.1:0 >"$tmp/serve.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q serving "$tmp/serve.out" && break; sleep 0.1; done
url="$(sed -n 's/^mieruka: serving \([^ ]*\) .*/\1/p' "$tmp/serve.out")"
/usr/bin/python3 - "$url" "$clients" "$runs" <<'PY'
import http.client, socket, statistics, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1]); clients = int(sys.argv[2]); runs = int(sys.argv[3])

def page():
    t = time.monotonic()
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    c.request("GET", "/")
    c.getresponse().read()
    c.close()
    return (time.monotonic() - t) * 1000

base = statistics.median(page() for _ in range(runs))
held = []
for _ in range(clients):
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n")  # no end of headers: the server waits
    held.append(s)
time.sleep(0.2)
loaded = max(page() for _ in range(runs))
print(f"page alone: {base:.1f} ms; with {clients} clients holding 20 KB request lines, the worst of {runs}: "
      f"{loaded:.1f} ms ({loaded / max(base, 0.001):.1f}x)")
for s in held:
    s.close()
PY
