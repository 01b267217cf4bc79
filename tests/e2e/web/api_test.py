#!/usr/bin/python3
"""The REST API of `mieruka serve` against web/openapi.json, and its security.

Usage: api_test.py BASE_URL OPENAPI_JSON MIERUKA_BINARY DB WORKDIR
Runs against a server started by tests/e2e/web_api.sh (plain HTTP on loopback)
with users admin/adminpass1 and viewer/viewerpass1 and a snapshot "first".
Prints "ok  name" / "FAIL name" per check; exit 1 when any failed.
"""
import html
import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

BASE, SPEC_PATH, BIN, DB, WORK = sys.argv[1:6]
U = urllib.parse.urlparse(BASE)
SPEC = json.load(open(SPEC_PATH, encoding="utf-8"))
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'none'")
failed = 0


def check(name, cond, detail=""):
    global failed
    if cond:
        print("ok   " + name)
    else:
        failed = 1
        print("FAIL " + name + (": " + str(detail)[:400] if detail else ""))


def request(method, path, body=None, cookie=None, headers=None, source=None):
    conn = http.client.HTTPConnection(U.hostname, U.port, timeout=60,
                                      source_address=(source, 0) if source else None)
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = cookie
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    raw = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    set_cookie = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
    conn.close()
    parsed = None
    if hdrs.get("content-type", "").startswith("application/json"):
        parsed = json.loads(raw.decode("utf-8"))
    return r.status, parsed, hdrs, set_cookie, raw


# --- a small OpenAPI 3.0 schema checker: $ref, type (+nullable), required,
# properties, items, enum.
def resolve(schema):
    while "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        schema = SPEC["components"]["schemas"][name]
    return schema


def validate(schema, value, where="$"):
    schema = resolve(schema)
    if value is None:
        return [] if schema.get("nullable") else [where + ": null not allowed"]
    t = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if t == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return [where + ": expected integer, got " + type(value).__name__]
    elif t == "number":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return [where + ": expected number"]
    elif t in types and not isinstance(value, types[t]):
        return [where + ": expected " + t + ", got " + type(value).__name__]
    errors = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(where + ": " + repr(value) + " not in enum")
    if isinstance(value, dict):
        for k in schema.get("required", []):
            if k not in value:
                errors.append(where + ": missing key " + k)
        for k, sub in schema.get("properties", {}).items():
            if k in value:
                errors += validate(sub, value[k], where + "." + k)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value[:50]):
            errors += validate(schema["items"], item, where + "[" + str(i) + "]")
    return errors


def conforms(path_template, method, status, body, ctype):
    """Errors of a response against the spec (status listed, body schema)."""
    op = SPEC["paths"][path_template][method.lower()]
    resp = op["responses"].get(str(status))
    if resp is None:
        return ["status " + str(status) + " not documented for " + method + " " + path_template]
    content = resp.get("content")
    if not content:
        return []
    media = "application/json" if "application/json" in content else next(iter(content))
    if not ctype.startswith(media):
        return ["content type " + ctype + " is not " + media]
    if media != "application/json":
        return []
    return validate(content[media]["schema"], body)


def login(user, password, cookie=None, headers=None):
    st, body, hdrs, sc, _ = request("POST", "/api/v1/login", {"user": user, "password": password}, cookie, headers)
    token = None
    for c in sc:
        m = re.match(r"mieruka_session=([^;]*)", c)
        if m:
            token = m.group(1)
    return st, body, sc, token


def check_dashboard(cookie):
    """The overview's counts are those of the lists they link to; the zone is named."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo
    st, o, _, _, _ = request("GET", "/api/v1/overview", cookie=cookie)
    st2, who, _, _, _ = request("GET", "/api/v1/me", cookie=cookie)
    check("dashboard: the plant's zone (default Asia/Tokyo) in overview and me",
          st == 200 and o["time_zone"] == "Asia/Tokyo" and who.get("time_zone") == "Asia/Tokyo", (o.get("time_zone"), who))
    st, assets, _, _, _ = request("GET", "/api/v1/assets?per_page=500", cookie=cookie)
    check("dashboard: classes add up to the devices", sum(o["by_class"].values()) == o["assets"] == assets["total"])
    for cls, n in o["by_class"].items():
        _, page, _, _, _ = request("GET", "/api/v1/assets?per_page=1&class=" + urllib.parse.quote(cls), cookie=cookie)
        check("dashboard: class " + cls + " counts as its list", page["total"] == n, (n, page["total"]))
    for zone, n in o["by_zone"].items():
        if zone:
            _, page, _, _, _ = request("GET", "/api/v1/assets?per_page=1&zone=" + urllib.parse.quote(zone), cookie=cookie)
            check("dashboard: zone " + zone + " counts as its list", page["total"] == n, (n, page["total"]))
    if o["unapproved"] is not None:
        _, page, _, _, _ = request("GET", "/api/v1/assets?per_page=1&approved=false", cookie=cookie)
        check("dashboard: unapproved counts as its list", page["total"] == o["unapproved"], (o["unapproved"], page["total"]))
    _, open_list, _, _, _ = request("GET", "/api/v1/findings?state=open", cookie=cookie)
    check("dashboard: open findings count as their list", len(open_list) == o["findings_open"] > 0, (o["findings_open"], len(open_list)))
    for key, counts in (("item", o["findings_by_item"]), ("type", o["findings_by_type"])):
        for v, n in counts.items():
            _, lst, _, _, _ = request("GET", "/api/v1/findings?state=open&" + key + "=" + urllib.parse.quote(v), cookie=cookie)
            check("dashboard: open findings of " + key + " " + v + " count as their list", len(lst) == n, (n, len(lst)))
    _, cl, _, _, _ = request("GET", "/api/v1/checklist?lang=en", cookie=cookie)
    want = [(i["id"], i["level"]) for i in cl["items"]]
    got = [(i["id"], i["level"]) for i in o["checklist"]]
    check("dashboard: checklist items and levels as the checklist report has them", got == want and len(got) >= 10, (got, want))
    check("dashboard: each item's open findings as findings_by_item counts them",
          all(i["findings_open"] == o["findings_by_item"].get(i["id"], 0) for i in o["checklist"])
          and sum(i["findings_open"] for i in o["checklist"]) == o["findings_open"], o["checklist"])
    days = o["new_devices_by_day"]
    check("dashboard: 30 consecutive days", len(days) == 30 and all(
        datetime.fromisoformat(b["day"]) - datetime.fromisoformat(a["day"]) == timedelta(days=1) for a, b in zip(days, days[1:])))
    tz = ZoneInfo(o["time_zone"])
    first, last = days[0]["day"], days[-1]["day"]
    local = [datetime.fromisoformat(a["first_seen"].replace("Z", "+00:00")).astimezone(tz).date().isoformat()
             for a in assets["items"] if a["first_seen"]]
    in_window = [d for d in local if first <= d <= last]
    check("dashboard: new devices per local day as the devices' first seen",
          all(d["count"] == in_window.count(d["day"]) for d in days) and len(in_window) > 0, (days, sorted(set(local))))
    newest = max(a["last_seen"] for a in assets["items"] if a["last_seen"])
    check("dashboard: last traffic is the newest observation", o["capture"]["last_traffic"] is not None
          and o["capture"]["last_traffic"] >= newest, (o["capture"].get("last_traffic"), newest))


def findings_triage(vc, v_csrf, ac, csrf):
    """Findings triage: filters, sort and pages on the server, bulk acknowledgement
    with one audit entry per finding and a result per id, the history of a
    finding, and a finding reopened when its evidence is no longer the one
    acknowledged."""
    import sqlite3
    import time
    st, plain, _, _, _ = request("GET", "/api/v1/findings", cookie=vc)
    check("triage: the plain array without page parameters", st == 200 and isinstance(plain, list), st)
    st, page, hdrs, _, _ = request("GET", "/api/v1/findings?page=1&per_page=2&sort=severity&order=desc&lang=ja", cookie=vc)
    check("triage: a page matches the spec", st == 200 and not conforms("/api/v1/findings", "get", st, page,
                                                                          hdrs.get("content-type", "")), st)
    check("triage: a page has the total and at most per_page items",
          page and page["total"] == len(plain) and len(page["items"]) == min(2, len(plain)), page and page["total"])
    rank = {"high": 2, "medium": 1, "low": 0}
    sevs = [rank[f["severity"]] for f in page["items"]] if page else []
    check("triage: sorted by severity, highest first", sevs == sorted(sevs, reverse=True), sevs)
    check("triage: Japanese evidence text and type names", page and all(
        f["evidence_text"] and f["evidence_kind"] and isinstance(f["evidence_values"], dict) and
        any(ord(ch) > 0x3000 for ch in f["evidence_text"] + f["type_name"]) for f in page["items"]), page and page["items"][:1])
    for key in ("type", "item", "severity", "state"):
        want = {}
        for f in plain:
            want[f[key]] = want.get(f[key], 0) + 1
        for value, n in want.items():
            st, got, _, _, _ = request("GET", "/api/v1/findings?per_page=1&" + key + "=" + urllib.parse.quote(value), cookie=vc)
            check("triage: filter %s=%s counts %d" % (key, value, n), st == 200 and got["total"] == n, got and got["total"])
    st, every, _, _, _ = request("GET", "/api/v1/findings?per_page=500&sort=first_seen", cookie=vc)
    firsts = [f["first_seen"] or "" for f in every["items"]]
    check("triage: sorted by first seen", firsts == sorted(firsts), firsts[:5])
    if firsts:
        day = firsts[len(firsts) // 2][:10]
        st, by_day, _, _, _ = request("GET", "/api/v1/findings?per_page=500&first_from=%s&first_to=%s" % (day, day), cookie=vc)
        check("triage: first seen on one day", st == 200 and by_day["total"] == sum(1 for x in firsts if x.startswith(day)),
              (day, by_day and by_day["total"]))
    for bad, name in [("sort=evidence", "sort"), ("per_page=501", "per_page"), ("page=0", "page"), ("severity=urgent", "severity"),
                      ("first_from=yesterday", "first_from"), ("state=closed", "state"), ("order=sideways", "order")]:
        st, body, hdrs, _, _ = request("GET", "/api/v1/findings?" + bad, cookie=vc)
        check("triage: %s is 400 naming it" % bad, st == 400 and body["error"].startswith(name + ":") and
              not conforms("/api/v1/findings", "get", st, body, hdrs.get("content-type", "")), (st, body))
    st, cat, hdrs, _, _ = request("GET", "/api/v1/findings/catalog", cookie=vc)
    check("triage: the catalog has every kind in both languages", st == 200 and all(
        v["en"] and v["ja"] for v in cat["evidence"].values()) and cat["types"]["hidden"]["ja"], st)

    # Bulk acknowledgement.
    st, opened, _, _, _ = request("GET", "/api/v1/findings?state=open&per_page=500", cookie=vc)
    ids = [f["id"] for f in opened["items"]][:2]
    check("triage: two open findings to acknowledge in bulk", len(ids) == 2, ids)
    body = {"ids": ids + ["f-nosuch"], "comment": "line 2 <b>retrofit</b> accepted"}
    st, _, _, _, _ = request("POST", "/api/v1/findings/ack", body, vc, {"X-CSRF-Token": v_csrf})
    check("triage: viewer bulk ack is 403", st == 403, st)
    st, _, _, _, _ = request("POST", "/api/v1/findings/ack", body, ac)
    check("triage: bulk ack without the CSRF token is 403", st == 403, st)
    for bad in [{"ids": ids}, {"ids": "f-1", "comment": "x"}, {"ids": [], "comment": "x"},
                {"ids": ["f-%d" % i for i in range(501)], "comment": "x"}]:
        st, b, _, _, _ = request("POST", "/api/v1/findings/ack", bad, ac, {"X-CSRF-Token": csrf})
        check("triage: bulk ack %s is 400" % json.dumps(bad)[:40], st == 400 and b.get("error"), (st, b))
    st, res, hdrs, _, _ = request("POST", "/api/v1/findings/ack", body, ac, {"X-CSRF-Token": csrf})
    check("triage: bulk ack matches the spec", st == 200 and not conforms("/api/v1/findings/ack", "post", st, res,
                                                                           hdrs.get("content-type", "")), (st, res))
    check("triage: bulk ack answers per id", res and res["acknowledged"] == 2 and
          [r["ok"] for r in res["results"]] == [True, True, False] and res["results"][2]["error"] == "no such finding now", res)
    st, after, _, _, _ = request("GET", "/api/v1/findings?state=acknowledged&per_page=500", cookie=vc)
    check("triage: both acknowledged now", set(ids) <= {f["id"] for f in after["items"]}, ids)
    st, audit_log, _, _, _ = request("GET", "/api/v1/audit", cookie=ac)
    entries = audit_log if isinstance(audit_log, list) else (audit_log or {}).get("entries", [])
    check("triage: one audit entry per finding", all(
        sum(1 for e in entries if e.get("action") == "acknowledge" and e.get("target") == i) == 1 for i in ids), entries[:3])

    # History, then reopened: the acknowledgement in force was given for other evidence.
    st, h, hdrs, _, _ = request("GET", "/api/v1/findings/%s/history?lang=ja" % ids[0], cookie=vc)
    check("triage: history matches the spec", st == 200 and not conforms("/api/v1/findings/{id}/history", "get", st, h,
                                                                          hdrs.get("content-type", "")), (st, h))
    events = [e["event"] for e in h["history"]] if h else []
    check("triage: history: opened, acknowledged by admin with the comment", events == ["opened", "acknowledged"] and
          h["history"][1]["who"] == "admin" and h["history"][1]["comment"] == body["comment"] and h["history"][1]["at"], h)
    st, _, _, _, _ = request("GET", "/api/v1/findings/f-nosuch/history", cookie=vc)
    check("triage: history of no finding is 404", st == 404, st)
    db = sqlite3.connect(DB, timeout=10)
    db.execute("UPDATE findings_state SET material_hash = 'other evidence' WHERE finding_id = ?", (ids[0],))
    db.execute("UPDATE findings_history SET material_hash = 'other evidence' WHERE finding_id = ?", (ids[0],))
    db.commit()
    db.close()
    state = None
    for _ in range(100):
        st, one, _, _, _ = request("GET", "/api/v1/findings?per_page=500&state=open", cookie=vc)
        if ids[0] in {f["id"] for f in one["items"]}:
            state = "open"
            break
        time.sleep(0.1)
    check("triage: an acknowledgement of other evidence leaves the finding open", state == "open", state)
    st, h, _, _, _ = request("GET", "/api/v1/findings/%s/history" % ids[0], cookie=vc)
    events = [e["event"] for e in h["history"]] if h else []
    check("triage: history says reopened, with the evidence now", events == ["opened", "acknowledged", "reopened"] and
          h["history"][2]["at"] is None and h["history"][2]["evidence_text"], h)


# --- 1. Without a session: 401 on every route but login; security headers. -----------
concrete = {}
for p in SPEC["paths"]:
    concrete[p] = p.replace("{id}", "x")
for p, ops in SPEC["paths"].items():
    for method in ops:
        if p == "/api/v1/login":
            continue
        st, body, hdrs, _, _ = request(method.upper(), concrete[p], {} if method == "post" else None)
        check("401 without a session: " + method.upper() + " " + p, st == 401, st)
        check("401 body matches the spec: " + p, not conforms(p, method, st, body, hdrs.get("content-type", "")))
st, _, _, _, _ = request("GET", "/api/v1/no/such/route")
check("401 before 404 on unknown API routes", st == 401, st)
st, _, hdrs, _, raw = request("GET", "/")
check("GET / serves the page", st == 200 and b"app.js" in raw, st)
check("CSP header on pages", hdrs.get("content-security-policy", "").startswith(CSP), hdrs.get("content-security-policy"))
check("nosniff on pages", hdrs.get("x-content-type-options") == "nosniff")
check("no referrer", hdrs.get("referrer-policy") == "no-referrer")
check("no inline script in the page", not re.search(rb"<script(?![^>]*\bsrc=)[^>]*>", raw))
check("no inline style in the page", b"<style" not in raw and b" style=" not in raw)

# --- 2. Viewer: every GET route matches the spec; admin routes refused. -----------------
st, me, sc, viewer = login("viewer", "viewerpass1")
check("viewer logs in", st == 200 and viewer, st)
check("login response matches the spec", not conforms("/api/v1/login", "post", st, me, "application/json"))
cookie_attrs = sc[0] if sc else ""
check("cookie is HttpOnly", "HttpOnly" in cookie_attrs, cookie_attrs)
check("cookie is SameSite=Strict", "SameSite=Strict" in cookie_attrs, cookie_attrs)
check("cookie Path=/", "Path=/" in cookie_attrs, cookie_attrs)
check("token is 256 bits (64 hex)", viewer is not None and re.fullmatch(r"[0-9a-f]{64}", viewer))
vc = "mieruka_session=" + (viewer or "")

st, page, hdrs, _, _ = request("GET", "/api/v1/assets?per_page=5&sort=name", cookie=vc)
check("assets page", st == 200 and len(page["items"]) <= 5, st)
check("Cache-Control no-store on /api", hdrs.get("cache-control") == "no-store", hdrs.get("cache-control"))
check("CSP header on the API", hdrs.get("content-security-policy", "").startswith(CSP))
asset_id = page["items"][0]["id"] if page and page["items"] else "x"
total = page["total"] if page else 0
st, all_assets, _, _, _ = request("GET", "/api/v1/assets?per_page=500", cookie=vc)
check("per_page=500 returns every asset of a small ledger", len(all_assets["items"]) == min(total, 500))
ip_asset = next((a for a in all_assets["items"] if a["ips"]), None)
if ip_asset:
    ip = ip_asset["ips"][0]
    st, hits, _, _, _ = request("GET", "/api/v1/assets?q=" + urllib.parse.quote(ip), cookie=vc)
    check("search by IP finds it", any(a["id"] == ip_asset["id"] for a in hits["items"]))
st, p2, _, _, _ = request("GET", "/api/v1/assets?per_page=1&page=2", cookie=vc)
check("paging: page 2 of 1 per page", st == 200 and p2["page"] == 2 and (total < 2 or len(p2["items"]) == 1))
st, desc, _, _, _ = request("GET", "/api/v1/assets?per_page=500&sort=last_seen&order=desc", cookie=vc)
seen = [a["last_seen"] for a in desc["items"] if a["last_seen"]]
check("sort by last_seen desc", seen == sorted(seen, reverse=True))
st, by_class, _, _, _ = request("GET", "/api/v1/assets?class=plc&per_page=500", cookie=vc)
check("filter by class", all(a["class"] == "plc" for a in by_class["items"]))
st, _, _, _, _ = request("GET", "/api/v1/assets?per_page=100000", cookie=vc)
check("per_page above 500 is 400", st == 400, st)
st, _, _, _, _ = request("GET", "/api/v1/assets?sort=password", cookie=vc)
check("unknown sort key is 400", st == 400, st)

gets = {
    "/api/v1/me": "/api/v1/me",
    "/api/v1/openapi.json": "/api/v1/openapi.json",
    "/api/v1/assets": "/api/v1/assets",
    "/api/v1/assets/{id}": "/api/v1/assets/" + asset_id,
    "/api/v1/links": "/api/v1/links",
    "/api/v1/findings": "/api/v1/findings",
    "/api/v1/advisories": "/api/v1/advisories",
    "/api/v1/snapshots": "/api/v1/snapshots",
    "/api/v1/diff": "/api/v1/diff?from=first",
    "/api/v1/map": "/api/v1/map",
    "/api/v1/topology": "/api/v1/topology",
    "/api/v1/topology.svg": "/api/v1/topology.svg",
    "/api/v1/stats": "/api/v1/stats",
    "/api/v1/overview": "/api/v1/overview",
    "/api/v1/checklist": "/api/v1/checklist?lang=en",
    "/api/v1/acceptance": "/api/v1/acceptance?from=first&lang=en",
}
for template, path in gets.items():
    st, body, hdrs, _, _ = request("GET", path, cookie=vc)
    errs = conforms(template, "get", st, body, hdrs.get("content-type", ""))
    check("viewer GET " + template + " (" + str(st) + ") matches the spec", st in (200, 501) and not errs, errs or st)
check_dashboard(vc)
for template, path in [("/api/v1/assets/{id}", "/api/v1/assets/nosuch"), ("/api/v1/diff", "/api/v1/diff?from=nosuch")]:
    st, body, hdrs, _, _ = request("GET", path, cookie=vc)
    check("404 documented: " + path, st == 404 and not conforms(template, "get", st, body, hdrs.get("content-type", "")))
for path, ctype in [("/api/v1/checklist?format=html&lang=ja", "text/html"), ("/api/v1/checklist?format=csv", "text/csv"),
                    ("/api/v1/acceptance?from=first&format=html", "text/html")]:
    st, _, hdrs, _, raw = request("GET", path, cookie=vc)
    check("report " + path, st == 200 and hdrs.get("content-type", "").startswith(ctype) and len(raw) > 100, st)
    if ctype == "text/html":
        check("report HTML has no script and a script-free CSP", b"<script" not in raw.lower() and
              "script-src" not in hdrs.get("content-security-policy", "x") and
              hdrs.get("content-security-policy", "").startswith("default-src 'none'"), hdrs.get("content-security-policy"))
def topology_svg_levels(cookie, zone_ids, total):
    """GET topology.svg follows the map's levels: a small plant without zones
    is drawn device by device, ?zone= one zone's devices, and with zones in
    the config (a second server over the same ledger) the zones as nodes."""
    def nodes(raw):  # each node's name (Graphviz writes it as the node's title)
        return [html.unescape(t.decode("utf-8")) for t in
                re.findall(rb'<g id="node\d+" class="node">\s*<title>([^<]*)</title>', raw)]

    st, _, hdrs, _, raw = request("GET", "/api/v1/topology.svg", cookie=cookie)
    if st == 501:
        print("skip topology.svg levels: this build has no Graphviz")
        return
    check("topology.svg of a small plant without zones: one node per device",
          st == 200 and hdrs.get("content-type", "").startswith("image/svg+xml") and len(nodes(raw)) == total,
          (st, len(nodes(raw)), total))
    for zid in zone_ids:
        st, mz, _, _, _ = request("GET", "/api/v1/map?level=zone&zone=" + urllib.parse.quote(zid), cookie=cookie)
        want = sorted(n["id"] for n in mz["nodes"])
        st, _, _, _, raw = request("GET", "/api/v1/topology.svg?zone=" + urllib.parse.quote(zid), cookie=cookie)
        got = sorted(nodes(raw))
        check("topology.svg?zone=" + zid + ": the zone's devices, no other", st == 200 and got == want, (st, got[:5], want[:5]))
    for path, want in (("/api/v1/topology.svg?zone=nosuch", 404), ("/api/v1/topology.svg?zone=", 400),
                       ("/api/v1/topology.svg?lang=fr", 400)):
        st, body, hdrs, _, _ = request("GET", path, cookie=cookie)
        check(path + ": %d with a reason" % want, st == want and body and body.get("error") and
              not conforms("/api/v1/topology.svg", "get", st, body, hdrs.get("content-type", "")), (st, body))

    # Zones in the config: every /24 of the ledger but the last is a zone.
    subnets = sorted(z[len("subnet:"):] for z in zone_ids if z.startswith("subnet:"))
    conf = os.path.join(WORK, "zones.toml")
    with open(conf, "w", encoding="utf-8") as f:
        for i, net in enumerate(subnets[:-1] or subnets):
            f.write('[[zone]]\nname = "セル%d"\nlevel = %d\nsubnets = ["%s"]\n\n' % (i + 1, 1 + i % 2, net))
    out = os.path.join(WORK, "zones.out")
    proc = subprocess.Popen([BIN, "serve", "--config", conf, "--db", DB, "--http", "--listen", "127.0.0.1:0"],
                            stdout=open(out, "w"), stderr=subprocess.DEVNULL)
    try:
        url = None
        for _ in range(100):
            m = re.search(r"serving (http://[^ ]+)", open(out).read())
            if m:
                url = urllib.parse.urlparse(m.group(1))
                break
            time.sleep(0.1)
        check("a server with zones starts", url is not None)
        if url is None:
            return
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        conn.request("POST", "/api/v1/login", body=json.dumps({"user": "viewer", "password": "viewerpass1"}),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        zc = [v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie"][0]
        for lang, count in (("ja", " 台".encode()), ("en", b" device")):
            conn.request("GET", "/api/v1/topology.svg?lang=" + lang, headers={"Cookie": zc})
            r = conn.getresponse()
            raw = r.read()
            titles = sorted(nodes(raw))
            want = sorted(["zone:セル%d" % (i + 1) for i in range(len(subnets[:-1] or subnets))] +
                          (["-"] if len(subnets) > 1 else []))
            check("topology.svg with zones (%s): the zones as nodes, no device" % lang,
                  r.status == 200 and titles == want and count in raw, (r.status, titles, want))
        conn.request("GET", "/api/v1/topology.svg?zone=" + urllib.parse.quote("セル1"), headers={"Cookie": zc})
        r = conn.getresponse()
        raw = r.read()
        conn.request("GET", "/api/v1/map?level=zone&zone=" + urllib.parse.quote("zone:セル1"), headers={"Cookie": zc})
        r2 = conn.getresponse()
        mz = json.loads(r2.read())
        check("topology.svg?zone=NAME: that zone's devices", r.status == 200 and
              sorted(nodes(raw)) == sorted(n["id"] for n in mz["nodes"]), r.status)
        conn.close()
    finally:
        proc.terminate()
        proc.wait()


# The map: the plant's zones hold every device; a zone's nodes are its devices;
# a device lists every conversation it has, each in its zone's or between zones.
st, mp, _, _, _ = request("GET", "/api/v1/map?level=plant", cookie=vc)
zone_ids = [z["id"] for z in mp["zones"]] if st == 200 else []
check("map plant: devices over zones add up to the ledger", st == 200 and sum(z["devices"] for z in mp["zones"]) == total,
      (st, total))
zoned = {}
for zid in zone_ids:
    st, mz, hdrs, _, _ = request("GET", "/api/v1/map?level=zone&zone=" + urllib.parse.quote(zid), cookie=vc)
    errs = conforms("/api/v1/map", "get", st, mz, hdrs.get("content-type", ""))
    check("map zone " + zid + " matches the spec", st == 200 and not errs, errs or st)
    for n in (mz or {}).get("nodes", []):
        zoned[n["id"]] = zid
check("map zones list every device once", len(zoned) == total, (len(zoned), total))
topology_svg_levels(vc, zone_ids, total)
st, md, hdrs, _, _ = request("GET", "/api/v1/map?level=device&id=" + urllib.parse.quote(asset_id), cookie=vc)
check("map device matches the spec", st == 200 and not conforms("/api/v1/map", "get", st, md, hdrs.get("content-type", "")), st)
st, peers_of, _, _, _ = request("GET", "/api/v1/assets/" + asset_id, cookie=vc)
check("map device: as many conversations as the asset page's peers",
      md and len(md["conversations"]) == len(peers_of["peers"]), (md and len(md["conversations"]), len(peers_of["peers"])))
check("map device: its zone is the zone that lists it", md and md["device"]["zone"] == zoned.get(asset_id), md and md["device"])
# Compression: gzip when offered, never Brotli (the library's Brotli runs at its
# slowest quality, seconds per MB on the appliance), whatever the client offers.
def encoded(offer):
    conn = http.client.HTTPConnection(U.hostname, U.port, timeout=60)
    conn.request("GET", "/api/v1/topology", headers={"Cookie": vc, "Accept-Encoding": offer})
    r = conn.getresponse()
    raw = r.read()
    enc = r.getheader("Content-Encoding", "")
    conn.close()
    return r.status, enc, raw
import gzip as _gzip
st, enc, raw = encoded("gzip, deflate, br")
check("a browser's offer (gzip, deflate, br) is answered with gzip", st == 200 and enc == "gzip", (st, enc))
check("the gzip body is the topology", st == 200 and enc == "gzip" and "nodes" in json.loads(_gzip.decompress(raw)), st)
st, enc, raw = encoded("br")
check("an offer of Brotli alone is answered uncompressed", st == 200 and enc == "" and "nodes" in json.loads(raw), (st, enc))
st, enc, raw = encoded("BR;q=1.0, gzip;q=0.5")
check("Brotli in any spelling is never used", st == 200 and enc in ("", "gzip"), (st, enc))
for path in ["/api/v1/map?level=zone&zone=zone:nosuch", "/api/v1/map?level=device&id=nosuch"]:
    st, body, hdrs, _, _ = request("GET", path, cookie=vc)
    check("map 404: " + path, st == 404 and not conforms("/api/v1/map", "get", st, body, hdrs.get("content-type", "")), st)
for path in ["/api/v1/map?level=world", "/api/v1/map?level=zone", "/api/v1/map?level=device", "/api/v1/map?x=1",
             "/api/v1/map?level=zone&zone=" + "a" * 300]:
    st, body, hdrs, _, _ = request("GET", path, cookie=vc)
    check("map 400: " + path[:60], st == 400 and not conforms("/api/v1/map", "get", st, body, hdrs.get("content-type", "")), st)
st, _, _, _, _ = request("GET", "/api/v1/acceptance", cookie=vc)
check("acceptance without since/from is 400", st == 400, st)
st, detail, _, _, _ = request("GET", "/api/v1/assets/" + asset_id, cookie=vc)
check("asset detail: facts carry sources", all("source" in f for f in detail["facts"]) and len(detail["facts"]) > 0)
st, findings, _, _, _ = request("GET", "/api/v1/findings", cookie=vc)
open_f = [f for f in findings if f["state"] == "open"]
check("there are open findings to acknowledge", len(open_f) > 0, len(findings))
fid = open_f[0]["id"] if open_f else "f-none"
v_csrf = me["csrf"] if me else ""
for path, body in [("/api/v1/findings/" + fid + "/ack", {"comment": "viewer"}), ("/api/v1/approve", {"assets": [asset_id]})]:
    st, b, hdrs, _, _ = request("POST", path, body, vc, {"X-CSRF-Token": v_csrf})
    template = "/api/v1/findings/{id}/ack" if "ack" in path else "/api/v1/approve"
    check("viewer POST " + template + " is 403", st == 403 and not conforms(template, "post", st, b, hdrs.get("content-type", "")), st)
st, _, _, _, _ = request("GET", "/api/v1/audit", cookie=vc)
check("viewer GET audit is 403", st == 403, st)

# --- 3. Admin: CSRF and Origin, then acknowledge and approve. ---------------------------
st, ame, _, admin = login("admin", "adminpass1")
check("admin logs in", st == 200 and admin, st)
ac = "mieruka_session=" + (admin or "")
csrf = ame["csrf"] if ame else ""
ack_path = "/api/v1/findings/" + fid + "/ack"
st, _, _, _, _ = request("POST", ack_path, {"comment": "x"}, ac)
check("CSRF token missing: 403", st == 403, st)
st, _, _, _, _ = request("POST", ack_path, {"comment": "x"}, ac, {"X-CSRF-Token": "0" * 64})
check("CSRF token wrong: 403", st == 403, st)
st, _, _, _, _ = request("POST", ack_path, {"comment": "x"}, ac, {"X-CSRF-Token": v_csrf})
check("another session's CSRF token: 403", st == 403, st)
st, _, _, _, _ = request("POST", ack_path, {"comment": "x"}, ac, {"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
check("foreign Origin with the right token: 403", st == 403, st)
st, _, _, _, _ = request("POST", ack_path, {"comment": "x"}, ac, {"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"})
check("cross-site fetch with the right token: 403", st == 403, st)
st, _, _, _, _ = request("POST", ack_path, {}, ac, {"X-CSRF-Token": csrf})
check("ack without a comment: 400", st == 400, st)
origin = BASE.rstrip("/")
st, body, hdrs, _, _ = request("POST", ack_path, {"comment": "known engineering laptop <b>ok</b>"}, ac,
                               {"X-CSRF-Token": csrf, "Origin": origin})
check("admin acknowledges with a comment", st == 200 and not conforms("/api/v1/findings/{id}/ack", "post", st, body,
                                                                       hdrs.get("content-type", "")), (st, body))
st, after, _, _, _ = request("GET", "/api/v1/findings", cookie=ac)
acked = [f for f in after if f["id"] == fid]
check("the finding is acknowledged now", acked and acked[0]["state"] == "acknowledged", acked)
out = subprocess.run([BIN, "findings", "--db", DB, "--format", "json", "--approved", os.path.join(WORK, "approved.csv")],
                     capture_output=True, text=True)
cli = [f for f in json.loads(out.stdout or "[]") if f["id"] == fid]
check("the CLI sees the acknowledgement", cli and cli[0]["state"] == "acknowledged", out.stderr)
findings_triage(vc, v_csrf, ac, csrf)

# Approve writes the CSV as `mieruka approve` does.
target = all_assets["items"][0]["id"]
st, body, hdrs, _, _ = request("POST", "/api/v1/approve", {"assets": [target]}, ac, {"X-CSRF-Token": csrf})
check("admin approves", st == 200 and body and body.get("added") == 1, (st, body))
cli_csv = os.path.join(WORK, "approved_cli.csv")
subprocess.run([BIN, "approve", "-q", "--db", DB, "--approved", cli_csv, target], check=False)
api_bytes = open(os.path.join(WORK, "approved.csv"), "rb").read()
cli_bytes = open(cli_csv, "rb").read() if os.path.exists(cli_csv) else b""
check("approved CSV identical to `mieruka approve`'s", api_bytes == cli_bytes and len(api_bytes) > 0,
      (api_bytes[:200], cli_bytes[:200]))
st, page, _, _, _ = request("GET", "/api/v1/assets?approved=true&per_page=500", cookie=ac)
check("approved filter shows it", any(a["id"] == target for a in page["items"]))
st, _, _, _, _ = request("POST", "/api/v1/approve", {"assets": ["no-such-asset"]}, ac, {"X-CSRF-Token": csrf})
check("approve of an unknown asset: 400", st == 400, st)
st, audit, hdrs, _, _ = request("GET", "/api/v1/audit", cookie=ac)
actions = {a["action"] for a in audit} if isinstance(audit, list) else set()
check("audit log: login, acknowledge, approve with who", {"login", "acknowledge", "approve"} <= actions and
      any(a["action"] == "acknowledge" and a["user"] == "admin" for a in audit), actions)
check("audit matches the spec", not conforms("/api/v1/audit", "get", st, audit, hdrs.get("content-type", "")))

# --- 3b. Advisories (imported by web_api.sh when ../shared/advisories is there): the
# devices each affects; a remediation state is admin-only, CSRF-checked and audited.
st, advs, _, _, _ = request("GET", "/api/v1/advisories", cookie=vc)
affected = [a for a in advs if a["matches"]] if isinstance(advs, list) else []
if affected:
    adv = affected[0]
    m = adv["matches"][0]
    body = {"asset": m["asset"], "target": adv["id"], "state": "compensated", "comment": "cell firewall <b>rule</b>"}
    st, b, hdrs, _, _ = request("POST", "/api/v1/advisories/state", body, vc, {"X-CSRF-Token": v_csrf})
    check("viewer POST /api/v1/advisories/state is 403", st == 403 and not conforms(
        "/api/v1/advisories/state", "post", st, b, hdrs.get("content-type", "")), st)
    st, _, _, _, _ = request("POST", "/api/v1/advisories/state", body, ac)
    check("remediation state without CSRF token: 403", st == 403, st)
    st, _, _, _, _ = request("POST", "/api/v1/advisories/state", dict(body, state="done"), ac, {"X-CSRF-Token": csrf})
    check("unknown remediation state: 400", st == 400, st)
    st, b, hdrs, _, _ = request("POST", "/api/v1/advisories/state", body, ac, {"X-CSRF-Token": csrf})
    check("admin records a remediation state", st == 200 and not conforms(
        "/api/v1/advisories/state", "post", st, b, hdrs.get("content-type", "")), (st, b))
    st, advs2, _, _, _ = request("GET", "/api/v1/advisories", cookie=vc)
    now = [x for a in advs2 if a["id"] == adv["id"] for x in a["matches"] if x["asset"] == m["asset"]]
    check("the advisory page shows the state", now and now[0]["state"] == "compensated", now)
    st, fs, _, _, _ = request("GET", "/api/v1/findings?type=vulnerable", cookie=vc)
    f = [x for x in fs if x["asset"] == m["asset"] and x["advisory"] == adv["id"]]
    check("the vulnerable finding carries the state", f and f[0]["state"] == "compensated", f)
    st, audit, _, _, _ = request("GET", "/api/v1/audit", cookie=ac)
    check("audit log: remediation_state with who", any(a["action"] == "remediation_state" and a["user"] == "admin"
                                                        for a in audit), audit[:3])
else:
    check("advisories: none imported, none listed", st == 200 and advs == [], advs)

# --- 4. Session fixation: a cookie planted before login is never accepted. ----------------
planted = "ab" * 32
st, _, _, fresh = login("viewer", "viewerpass1", cookie="mieruka_session=" + planted)
check("login with a planted cookie issues a new token", st == 200 and fresh and fresh != planted, fresh)
st, _, _, _, _ = request("GET", "/api/v1/me", cookie="mieruka_session=" + planted)
check("the planted token is refused after login", st == 401, st)
st, _, _, again = login("viewer", "viewerpass1", cookie="mieruka_session=" + (fresh or ""))
st, _, _, _, _ = request("GET", "/api/v1/me", cookie="mieruka_session=" + (fresh or ""))
check("the previous token dies at the next login", st == 401 and again != fresh, st)

# --- 4b. The plant's own names: an admin sets name, location, zone and owner of a device;
# the approved list keeps every other byte, the console shows and finds them.
def fleet_sightings(cookie, asset):
    """One sensor's ledger: an asset's detail has no sightings. A fleet's (several
    sensors' ledgers merged) adds them; the spec describes them, and says so
    when one is malformed."""
    st, d, hdrs, _, _ = request("GET", "/api/v1/assets/" + asset, cookie=cookie)
    check("asset detail of one sensor's ledger: no sightings", st == 200 and "sightings" not in d, st)
    fleet = dict(d)
    fleet["sightings"] = [{"sensor": "line1", "site": "tokyo", "first_seen": "2026-11-26T08:00:00Z",
                           "last_seen": "2026-11-26T09:00:00Z", "packets_sent": 10, "ips": ["10.10.1.20"],
                           "vlans": [101]},
                          {"sensor": "line2", "site": None, "first_seen": None, "last_seen": None,
                           "packets_sent": 0, "ips": [], "vlans": []}]
    check("a fleet's sightings match the spec",
          not conforms("/api/v1/assets/{id}", "get", 200, fleet, hdrs.get("content-type", "")))
    fleet["sightings"] = [{"sensor": "line1", "site": "tokyo", "packets_sent": "10", "ips": [], "vlans": []}]
    errs = conforms("/api/v1/assets/{id}", "get", 200, fleet, hdrs.get("content-type", ""))
    check("malformed sightings do not", len(errs) == 3, errs)



def appliance_not_fleet(cookie):
    """An appliance's console is no fleet console: `me.fleet` false, no `fleet`
    in the overview, and a sensor or site filter (a fleet's) matches no row of
    one sensor's ledger, whose devices carry no sightings."""
    st, me, _, _, _ = request("GET", "/api/v1/me", cookie=cookie)
    check("me: an appliance's console says fleet false", st == 200 and me.get("fleet") is False, me)
    st, o, _, _, _ = request("GET", "/api/v1/overview", cookie=cookie)
    check("overview of an appliance: no fleet part", st == 200 and "fleet" not in o, sorted(o))
    st, a, _, _, _ = request("GET", "/api/v1/assets?sensor=line9&site=nowhere", cookie=cookie)
    check("assets ?sensor= on one sensor's ledger: none", st == 200 and a["total"] == 0, a.get("total"))
    st, f, _, _, _ = request("GET", "/api/v1/findings?sensor=line9&per_page=1", cookie=cookie)
    check("findings ?sensor= on one sensor's ledger: none", st == 200 and f["total"] == 0, f.get("total"))


def check_plant_names(vc, v_csrf, ac, csrf, asset):
    path = "/api/v1/assets/" + asset + "/names"
    listed = os.path.join(WORK, "approved.csv")
    before = open(listed, "rb").read()
    body = {"name": {"value": "成形機PLC 2号", "expected": ""}, "location": {"value": "第2工場 成形ライン", "expected": ""},
            "owner": {"value": "=SUM(1)", "expected": ""}}
    st, b, hdrs, _, _ = request("POST", path, body, vc, {"X-CSRF-Token": v_csrf})
    check("names: viewer is refused (403)", st == 403 and not conforms("/api/v1/assets/{id}/names", "post", st, b,
                                                                       hdrs.get("content-type", "")), st)
    st, _, _, _, _ = request("POST", path, body, ac)
    check("names: no CSRF token (403)", st == 403, st)
    check("names: refused edits leave the list alone", open(listed, "rb").read() == before)
    st, b, _, _, _ = request("POST", path, {"vendor": {"value": "x"}}, ac, {"X-CSRF-Token": csrf})
    check("names: an unknown column is 400", st == 400, st)
    st, b, hdrs, _, _ = request("POST", path, body, ac, {"X-CSRF-Token": csrf})
    check("names: admin sets them", st == 200 and b["row_added"] and len(b["changes"]) == 3 and
          not conforms("/api/v1/assets/{id}/names", "post", st, b, hdrs.get("content-type", "")), (st, b))
    after = open(listed, "rb").read()
    old_lines = before.split(b"\r\n")[1:-1]
    new_lines = after.split(b"\r\n")
    check("names: rows already there keep their bytes (two empty cells added)",
          all(new_lines[1 + k] == line + b",," for k, line in enumerate(old_lines)) and
          new_lines[0] == before.split(b"\r\n")[0] + b",location,owner", (before[:300], after[:300]))
    st, d, _, _, _ = request("GET", "/api/v1/assets/" + asset, cookie=vc)
    a = d["asset"] if st == 200 else {}
    e = a.get("approved_entry") or {}
    check("names: the asset shows them (the plant's name first)",
          a.get("display_name") == "成形機PLC 2号" and e.get("location") == "第2工場 成形ライン" and
          e.get("owner") == "'=SUM(1)" and isinstance(a.get("approved_line"), int), a)
    st, hits, _, _, _ = request("GET", "/api/v1/assets?q=" + urllib.parse.quote("成形"), cookie=vc)
    check("names: a search for 成形 finds it", st == 200 and [h["id"] for h in hits["items"]] == [asset], hits)
    st, page, _, _, _ = request("GET", "/api/v1/assets?sort=location&per_page=500", cookie=vc)
    check("names: sorted by location, the listed one first", st == 200 and page["items"][0]["id"] == asset)
    st, page, _, _, _ = request("GET", "/api/v1/assets?sort=owner&order=desc&per_page=500", cookie=vc)
    check("names: sort by owner is accepted", st == 200 and page["items"][0]["id"] == asset, st)
    st, fl, _, _, _ = request("GET", "/api/v1/findings?asset=" + asset, cookie=vc)
    check("names: findings of the device carry its name",
          st == 200 and all(f.get("asset_name") == "成形機PLC 2号" for f in fl), fl[:2])
    st, b, _, _, _ = request("POST", path, {"name": {"value": "stale", "expected": ""}}, ac, {"X-CSRF-Token": csrf})
    check("names: an edit over a changed cell is 409", st == 409 and b and "reload" in b["error"], (st, b))
    st, audit, _, _, _ = request("GET", "/api/v1/audit", cookie=ac)
    mine = [x for x in audit if x["action"] == "plant_names" and x["target"] == asset] if isinstance(audit, list) else []
    check("names: the edit is audited with who, old and new",
          mine and mine[0]["user"] == "admin" and "成形機PLC 2号" in mine[0]["detail"], mine)


check_plant_names(vc, v_csrf, ac, csrf, next(a["id"] for a in reversed(all_assets["items"]) if a["mac"]))


def baselines(cookie):
    """Changes and reports against a picked baseline: /api/v1/diff defaults to
    the last two snapshots (here only "first": first against now, said so), a
    date picks the newest snapshot at or before it, the reports take baseline=."""
    st, d, hdrs, _, _ = request("GET", "/api/v1/diff", cookie=cookie)
    check("diff without from: 200, matches the spec", st == 200 and not conforms("/api/v1/diff", "get", st, d, hdrs.get("content-type", "")), st)
    if st == 200:
        check("diff default with one snapshot: first against now, said so",
              (d["from"], d["to"], d["default"]) == ("first", "now", "last_to_now"), (d["from"], d["to"], d["default"]))
        check("diff labels every device it mentions", all(isinstance(d["labels"].get(a["id"], {}).get("label"), str)
                                                         for a in d["new_assets"] + d["vanished_assets"]))
    st, d, _, _, _ = request("GET", "/api/v1/diff?from=2999-12-31&to=now", cookie=cookie)
    check("diff from a date: the newest snapshot at or before it", st == 200 and d["from"] == "first" and
          "newest at or before 2999-12-31" in d["from_basis"], d if st != 200 else d["from_basis"])
    st, d, _, _, _ = request("GET", "/api/v1/diff?from=2000-01-01", cookie=cookie)
    check("diff from a date before every snapshot: 404 with a reason", st == 404 and "2000-01-01" in d.get("error", ""), d)
    st, d, _, _, _ = request("GET", "/api/v1/diff?to=first", cookie=cookie)
    check("diff with to but no from: 400", st == 400, st)
    st, a, _, _, _ = request("GET", "/api/v1/acceptance?format=json&baseline=2999-12-31", cookie=cookie)
    check("acceptance baseline=DATE: the newest snapshot at or before it", st == 200 and
          "snapshot first (newest at or before 2999-12-31)" == a.get("basis"), a if st != 200 else a.get("basis"))
    st, a, _, _, _ = request("GET", "/api/v1/acceptance?format=json&baseline=first&from=first", cookie=cookie)
    check("acceptance with both baseline and from: 400", st == 400, st)
    st, c, _, _, _ = request("GET", "/api/v1/checklist?format=json&lang=en&baseline=first", cookie=cookie)
    check("checklist baseline=first: changes since it", st == 200 and c["changes"]["basis"] == "snapshot first" and
          c["new_since"]["basis"] == "snapshot first", st)
    st, _, _, _, raw = request("GET", "/api/v1/checklist?format=html&lang=ja&baseline=2999-12-31", cookie=cookie)
    check("checklist HTML baseline=DATE: opening, appendix, device links", st == 200 and all(
        x in raw for x in (b'id="levels"', b'id="changes"', b'id="appendix"', b'href="/#/asset/')), st)
    st, e, _, _, _ = request("GET", "/api/v1/checklist?format=html&baseline=nosuch", cookie=cookie)
    check("checklist baseline that names nothing: 404 with a reason", st == 404 and "nosuch" in e.get("error", ""), e)
baselines(vc)
fleet_sightings(vc, asset_id)
appliance_not_fleet(vc)


# The heuristic of tests/unit/english_text.hpp (the same rule, documented there):
# a run of three or more English words (tokens of 3+ ASCII letters only, one
# lower-case) with only ASCII non-words between them; data (wire strings, the
# plant's names, an advisory's own title, the vendor's remediation text, a
# comment) is masked first.
DATA_KEYS = {"title", "text", "product", "type", "value", "vendor", "os", "server", "realm", "name", "names", "ssid",
             "probe_ssid", "host", "list", "fact", "source", "device", "device_a", "device_b", "from", "to", "parent",
             "peer", "inside", "outside", "client", "protocol", "protocols", "operation", "service", "family", "model",
             "series", "range", "firmware", "advisory", "cves", "cvss_vector", "published", "zones", "zone_a", "zone_b",
             "from_zone", "to_zone", "route", "code", "class", "field", "first", "last", "comment", "command"}


def data_values(v, out, data=False):
    if isinstance(v, str):
        if data and v:
            out.append(v)
    elif isinstance(v, list):
        for e in v:
            data_values(e, out, data)
    elif isinstance(v, dict):
        for k, e in v.items():
            data_values(e, out, k in DATA_KEYS)
    return out


def english_run(text, allowed=()):
    for a in sorted((a for a in allowed if a), key=len, reverse=True):
        text = text.replace(a, "・")
    for run in re.findall(r"[\x00-\x7f]+", text):
        words = [w for w in re.findall(r"[A-Za-z0-9_]+", run) if len(w) >= 3 and re.fullmatch("[A-Za-z]+", w) and re.search("[a-z]", w)]
        if len(words) >= 3:
            # Three words in one ASCII stretch are a run only when no Japanese
            # splits them, which the stretch guarantees.
            return run.strip()[:120]
    return ""


# Values a Japanese page shows through a table or a clock, never as stored: a
# device class code ("it_host": "IT機器") and an ISO UTC time (tests/unit/english_text.hpp).
TYPED_KEYS = {"class", "first", "last", "conversation_first"}
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def raw_typed_value(text, values):
    typed = []

    def walk(v, t=False):
        if isinstance(v, str):
            if t and v:
                typed.append(v)
        elif isinstance(v, list):
            for e in v:
                walk(e, t)
        elif isinstance(v, dict):
            for k, e in v.items():
                walk(e, k in TYPED_KEYS)
    walk(values)
    for a in sorted((d for d in data_values(values, []) if d not in typed), key=len, reverse=True):
        text = text.replace(a, "・")
    for t in typed:
        if ISO_UTC.fullmatch(t):
            if t in text:
                return t
        elif re.fullmatch(r"[a-z][a-z_]*", t) and re.search(r"(?<![A-Za-z0-9_])" + re.escape(t) + r"(?![A-Za-z0-9_])", text):
            return t
    return ""


def japanese_pages(cookie):
    """Japanese pages show no English evidence text: the findings list, every
    asset page (evidence and class reasons) and the checklist report's evidence
    tables, all rendered in Japanese over the sample plant."""
    st, fs, _, _, _ = request("GET", "/api/v1/findings?lang=ja", cookie=cookie)
    check("ja: findings with lang=ja", st == 200 and fs, st)
    bad = [(f["evidence_text"], english_run(f["evidence_text"], data_values(f["evidence_values"], [])))
           for f in fs or [] if english_run(f["evidence_text"], data_values(f["evidence_values"], []))]
    check("ja: no English sentence in any finding's evidence", not bad, bad[:3])
    raw = [(f["evidence_text"], raw_typed_value(f["evidence_text"], f["evidence_values"]))
           for f in fs or [] if raw_typed_value(f["evidence_text"], f["evidence_values"])]
    check("ja: no class code or UTC time shown as stored in any finding's evidence", not raw, raw[:3])
    timed = [f for f in fs or [] if any(ISO_UTC.fullmatch(str(f["evidence_values"].get(k) or ""))
                                        for k in ("first", "last"))]
    check("ja: the evidence's times are in the plant's zone, named (JSON values stay UTC)",
          all(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d [A-Z]{2,5}", f["evidence_text"]) for f in timed),
          [f["evidence_text"] for f in timed][:2])
    st, assets, _, _, _ = request("GET", "/api/v1/assets?per_page=500", cookie=cookie)
    wire = []  # every fact value, address and name of the plant: data
    bad, reasons = [], 0
    for a in assets["items"] if st == 200 else []:
        st2, d, _, _, _ = request("GET", "/api/v1/assets/" + urllib.parse.quote(a["id"], safe="") + "?lang=ja", cookie=cookie)
        if st2 != 200:
            bad.append((a["id"], st2))
            continue
        allowed = [x["value"] for x in d["facts"]] + [x["source"] for x in d["facts"]] + [x["ip"] for x in d["ip_bindings"]] + [a["id"]]
        wire += allowed
        reasons += len(d.get("class_reasons_text", []))
        for r in d.get("class_reasons_text", []):
            if english_run(r, allowed):
                bad.append((a["id"], r))
        for f in d["findings"]:
            if english_run(f.get("evidence_text", ""), data_values(f["evidence_values"], [])):
                bad.append((a["id"], f.get("evidence_text")))
    check("ja: every asset page gives its class reasons in Japanese", reasons >= len(assets.get("items", [])) > 0,
          (reasons, len(assets.get("items", []))))
    check("ja: no English sentence in class reasons or evidence on the asset pages", not bad, bad[:3])
    st, _, _, _, raw = request("GET", "/api/v1/checklist?format=html&lang=ja", cookie=cookie)
    html = raw.decode("utf-8", "replace") if st == 200 else ""
    cells = []
    for table in re.findall(r'<table class="evidence"[^>]*>(.*?)</table>', html, re.S):
        cells += [re.sub(r"<[^>]+>", " ", c) for c in re.findall(r"<td>(.*?)</td>", table, re.S)]
    allowed = wire + [v for f in fs or [] for v in data_values(f["evidence_values"], [])] + [f.get("comment") or "" for f in fs or []]
    allowed.append("mieruka report acceptance")  # the command 4-5 points to, as it is typed
    allowed = [html_unescape(x) for x in allowed]
    bad = [(c, english_run(html_unescape(c), allowed)) for c in cells if english_run(html_unescape(c), allowed)]
    check("ja: the checklist report has evidence lines", len(cells) > 10, len(cells))
    st, me, _, _, _ = request("GET", "/api/v1/me", cookie=cookie)
    zone_name = {"Asia/Tokyo": "JST"}.get(me.get("time_zone") if st == 200 else None)
    check("ja: the checklist report's times are in the plant's zone, named",
          zone_name is not None and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d " + zone_name, html) is not None,
          me.get("time_zone") if st == 200 else st)
    check("ja: no English sentence in the checklist report's evidence", not bad, bad[:3])
    # The report's own words around the data: the baseline, approved-list rows,
    # the diagram's grouping; and the acceptance report's baseline and units.
    st, _, _, _, raw = request("GET", "/api/v1/checklist?format=html&lang=ja&baseline=first", cookie=cookie)
    text = re.sub(r"<[^>]+>", " ", raw.decode("utf-8", "replace")) if st == 200 else ""
    english = re.findall(r"\bsnapshot first\b|\blast \d+ days\b|\bline \d+\b|グループ分け (?:zones|vlan_subnet)", text)
    check("ja: the checklist report names its baseline, list rows and grouping in Japanese", st == 200 and
          "スナップショット first" in text and not english, english[:3] or st)
    st, _, _, _, raw = request("GET", "/api/v1/acceptance?format=text&lang=ja&baseline=2999-12-31", cookie=cookie)
    text = raw.decode("utf-8", "replace") if st == 200 else ""
    english = re.findall(r"\bsnapshot first\b|newest at or before|\bport \d+|\d+ pk\b", text)
    check("ja: the acceptance report names its baseline, ports and packets in Japanese", st == 200 and
          "スナップショット first（2999-12-31 以前で最新）" in text and not english, english[:3] or st)
    st, a, _, _, _ = request("GET", "/api/v1/acceptance?format=json&lang=ja&baseline=2999-12-31", cookie=cookie)
    check("ja: the acceptance JSON keeps its basis as it is", st == 200 and
          a.get("basis") == "snapshot first (newest at or before 2999-12-31)", a.get("basis") if st == 200 else st)


def html_unescape(s):
    import html as h
    return h.unescape(s)


japanese_pages(vc)

# --- 5. Logout. ---------------------------------------------------------------------------
st, _, _, _, _ = request("POST", "/api/v1/logout", {}, vc, {"X-CSRF-Token": v_csrf})
check("logout", st == 200, st)
st, _, _, _, _ = request("GET", "/api/v1/me", cookie=vc)
check("401 after logout", st == 401, st)

# --- 6. Rate limit (last: it blocks this client for 5 minutes). ---------------------------
codes = [login("admin", "wrong-password-%d" % i)[0] for i in range(5)]
check("wrong passwords: 401", codes == [401] * 5, codes)
st, body, _, _ = login("admin", "adminpass1")
check("6th attempt: 429 even with the right password", st == 429, st)
check("429 matches the spec", not conforms("/api/v1/login", "post", st, body, "application/json"))
# The guesses above lock the admin out from that address only: from another
# loopback address the admin still logs in.
if U.hostname in ("127.0.0.1", "localhost"):
    st, _, _, _, _ = request("POST", "/api/v1/login", {"user": "admin", "password": "adminpass1"}, source="127.0.0.2")
    check("the admin still logs in from another address", st == 200, st)

sys.exit(failed)
