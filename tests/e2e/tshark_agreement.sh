#!/usr/bin/env bash
# End to end: where Wireshark decodes a controller's identity (Omron FINS Controller
# Data Read, S7comm SZL 0x0011 / 0x001C), the ledger holds the same strings.
# Every capture named by a golden case (tests/golden/*/case.json: "pcaps/<file>" in
# the source tree, "shared:<file>" in ../shared/pcaps) is decoded by tshark (field
# names of Wireshark 4.0) and read by `mieruka read`; for each controller tshark
# names, the asset with that IP must carry:
#   FINS    product  = omron.controller.model     revision = omron.controller.version
#   S7comm  product  = s7comm.szl.xy11.0001.anz of index 0x0001 (the MLFB)
#           revision = index 0x0007's Ausbg/Ausbe: chr(Ausbg >> 8), Ausbg & 0xff,
#                      Ausbe >> 8, Ausbe & 0xff ("V2.8.0" for 0x5602 / 0x0800)
#           name     = s7comm.szl.001c.0001.name  serial = s7comm.szl.001c.0005.serialn
# tshark keeps the fixed-width padding of these fields (trailing spaces / NULs): it
# is trimmed on tshark's side only, so a ledger value that changes by a single
# character, padding included, fails the test.
# Usage: tshark_agreement.sh MIERUKA_BINARY SOURCE_DIR
set -u
bin="$1"; src="$2"
if ! command -v tshark >/dev/null 2>&1; then
  echo "skip: tshark is not installed (apt-get install tshark)"
  exit 77
fi
py=/usr/bin/python3
[ -x "$py" ] || py=python3
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

"$py" - "$bin" "$src" "$tmp" <<'EOF'
import glob, json, os, subprocess, sys

binary, src, tmp = sys.argv[1:4]
shared = os.path.join(src, "..", "shared", "pcaps")
SEP = "\x1f"  # field aggregator: never inside these strings
FIELDS = [
    "ip.src",
    "omron.controller.model", "omron.controller.version",
    "s7comm.szl.xy11.0001.index", "s7comm.szl.xy11.0001.anz",
    "s7comm.szl.xy11.0001.ausbg", "s7comm.szl.xy11.0001.ausbe",
    "s7comm.szl.001c.0001.name", "s7comm.szl.001c.0005.serialn",
]
FILTER = " || ".join(FIELDS[1:])

fail = 0
checks = 0
def check(name, ok, detail=""):
    global fail, checks
    checks += 1
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else "  " + detail))
    if not ok:
        fail = 1

def trim(s):
    return s.rstrip(" \x00")

def captures():
    seen = []
    for case in sorted(glob.glob(os.path.join(src, "tests", "golden", "*", "case.json"))):
        with open(case) as f:
            c = json.load(f)["capture"]
        path = os.path.join(shared, c[7:]) if c.startswith("shared:") else os.path.join(src, c)
        if path not in seen:
            seen.append(path)
    return seen

def tshark_identities(path):
    """{ip: {field: value}} as tshark decodes the capture."""
    cmd = ["tshark", "-r", path, "-n", "-Y", FILTER, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=" + SEP]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if out.returncode != 0:
        check("tshark reads " + os.path.basename(path), False, out.stderr.strip()[:200])
        return {}
    want = {}
    for line in out.stdout.splitlines():
        col = dict(zip(FIELDS, (v.split(SEP) if v else [] for v in line.split("\t"))))
        ip = (col.get("ip.src") or [""])[0]
        w = want.setdefault(ip, {})
        if col.get("omron.controller.model"):
            w["product"] = trim(col["omron.controller.model"][0])
        if col.get("omron.controller.version"):
            w["revision"] = trim(col["omron.controller.version"][0])
        idx = col.get("s7comm.szl.xy11.0001.index", [])
        anz = col.get("s7comm.szl.xy11.0001.anz", [])
        bg = col.get("s7comm.szl.xy11.0001.ausbg", [])
        be = col.get("s7comm.szl.xy11.0001.ausbe", [])
        for i, index in enumerate(idx):
            if index == "0x0001" and i < len(anz):
                w["product"] = trim(anz[i])
            if index == "0x0007" and i < len(bg) and i < len(be):
                g, e = int(bg[i], 0), int(be[i], 0)
                w["revision"] = "%s%d.%d.%d" % (chr(g >> 8), g & 0xFF, e >> 8, e & 0xFF)
        if col.get("s7comm.szl.001c.0001.name"):
            w["name"] = trim(col["s7comm.szl.001c.0001.name"][0])
        if col.get("s7comm.szl.001c.0005.serialn"):
            w["serial"] = trim(col["s7comm.szl.001c.0005.serialn"][0])
    return {ip: w for ip, w in want.items() if w}

decoded = 0
for n, path in enumerate(captures()):
    base = os.path.basename(path)
    if not os.path.exists(path):
        check("capture present: " + base, False, path)
        continue
    want = tshark_identities(path)
    if not want:
        continue  # no FINS / S7comm identity in this capture
    decoded += 1
    db = os.path.join(tmp, "c%d.db" % n)
    r = subprocess.run([binary, "read", path, "--db", db], capture_output=True, text=True)
    check("mieruka reads " + base, r.returncode == 0, r.stderr.strip()[:200])
    a = subprocess.run([binary, "assets", "--db", db, "--format", "json"], capture_output=True, text=True)
    try:
        doc = json.loads(a.stdout)
    except ValueError:
        check("assets json of " + base, False, a.stderr.strip()[:200])
        continue
    assets = doc["assets"] if isinstance(doc, dict) else doc
    for ip, fields in sorted(want.items()):
        asset = next((x for x in assets if ip in (x.get("ips") or [])), None)
        if asset is None:
            check("%s: an asset holds %s" % (base, ip), False)
            continue
        for field, value in sorted(fields.items()):
            got = asset.get(field)
            check("%s %s %s = %r" % (base, ip, field, value), got == value, "ledger has %r" % (got,))

# The captures this test exists for: melsec_omron (FINS), jp_controllers and the ITI
# S7 capture (S7comm). Fewer means tshark or the golden list changed under us.
check("tshark decodes identities in at least 3 golden captures", decoded >= 3, "got %d" % decoded)
check("at least 10 values compared", checks >= 10, "got %d" % checks)
sys.exit(fail)
EOF
