#!/usr/bin/python3
"""Checks what the delivery receivers recorded (tests/e2e/delivery_e2e.sh).

  check_delivery.py mail EML DIFF_JSON DIFF_CSV DIFF_TEXT SENSOR LANG   one diff e-mail
  check_delivery.py hook DIR SECRET DIFF_JSON...               webhook bodies (one per diff, in order)
  check_delivery.py syslog FILE FORMAT N                       N frames, RFC 5424 (or CEF), ids unique
  check_delivery.py subject EML TEXT                           the decoded Subject is TEXT
Exits 0 when every check holds, else prints what differs and exits 1.
"""
import email
import email.policy
import hashlib
import hmac
import json
import os
import re
import sys

FAIL = []


def expect(cond, what):
    if not cond:
        FAIL.append(what)


def diff_subject(d, sensor, lang):
    n, v, c = len(d["new_assets"]), len(d["vanished_assets"]), len(d["changed_assets"])
    nl, vl = len(d["new_links"]), len(d["vanished_links"])
    if lang == "ja":
        return "[Mieruka] %s: ネットワークの変化 新規%d 消失%d 変更%d 新規通信%d 途絶%d" % (sensor, n, v, c, nl, vl)
    return "[Mieruka] %s: network changes: %d new, %d vanished, %d changed, %d new links, %d vanished links" % (
        sensor, n, v, c, nl, vl)


def check_mail(eml, diff_json, diff_csv, diff_text, sensor, lang):
    raw = open(eml, "rb").read()
    for line in raw.split(b"\r\n"):
        if line.startswith((b"Subject:", b" =?UTF-8")):
            expect(len(line) <= 76, "header line longer than 76: %r" % line)
    expect(b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), "bare LF in the message")
    head = raw.split(b"\r\n\r\n", 1)[0]
    expect(head.isascii(), "non-ASCII bytes in the header")
    m = email.message_from_bytes(raw, policy=email.policy.default)
    d = json.load(open(diff_json, encoding="utf-8"))
    expect(str(m["Subject"]) == diff_subject(d, sensor, lang),
           "subject %r != %r" % (str(m["Subject"]), diff_subject(d, sensor, lang)))
    mid = m["X-Mieruka-Id"]
    expect(mid is not None and re.fullmatch(r"[0-9a-f]{32}", str(mid)), "X-Mieruka-Id %r" % mid)
    expect(str(m["Message-ID"]) == "<%s@mieruka>" % mid, "Message-ID %r" % m["Message-ID"])
    expect(m["Date"] is not None and m["Date"].datetime is not None, "Date header")
    expect(m.get_content_type() == "multipart/mixed", "top type %s" % m.get_content_type())
    plain = m.get_body(preferencelist=("plain",))
    html = m.get_body(preferencelist=("html",))
    expect(plain is not None and html is not None, "text/plain and text/html parts")
    if plain is not None:
        expect(plain.get_content_charset() == "utf-8", "plain charset")
        text = plain.get_content()
        intro = "センサー %s が" % sensor if lang == "ja" else "Changes sensor %s saw" % sensor
        expect(text.startswith(intro), "plain text starts %r" % text[:60])
        want = open(diff_text, encoding="utf-8").read()
        expect(text.replace("\r\n", "\n").endswith("\n\n" + want), "plain text does not end with `diff --format text`")
    if html is not None:
        expect("<pre>" in html.get_content(), "html body")
    atts = list(m.iter_attachments())
    csvs = [a for a in atts if a.get_content_type() == "text/csv"]
    expect(len(csvs) == 1, "one CSV attachment, got %d" % len(csvs))
    if csvs:
        expect(csvs[0].get_filename() == "mieruka-diff.csv", "attachment name %r" % csvs[0].get_filename())
        got = csvs[0].get_payload(decode=True)
        want = open(diff_csv, "rb").read()
        expect(got == want, "CSV attachment differs from `diff --format csv` (%d vs %d bytes)" % (len(got), len(want)))


def check_hook(directory, secret, diffs):
    bodies = sorted(n for n in os.listdir(directory) if n.endswith(".body"))
    expect(len(bodies) == len(diffs), "%d webhook posts, want %d" % (len(bodies), len(diffs)))
    ids = set()
    for name, diff_json in zip(bodies, diffs):
        body = open(os.path.join(directory, name), "rb").read()
        meta = json.load(open(os.path.join(directory, name.replace(".body", ".json"))))
        h = {k.lower(): v for k, v in meta["headers"].items()}
        want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        expect(h.get("x-mieruka-signature") == want, "signature %r != %r" % (h.get("x-mieruka-signature"), want))
        expect(h.get("content-type", "").startswith("application/json"), "content type")
        ids.add(h.get("x-mieruka-id"))
        expect(json.loads(body) == json.load(open(diff_json, encoding="utf-8")), "%s != %s" % (name, diff_json))
    expect(len(ids) == len(bodies), "webhook ids repeat: %s" % ids)


SD_PARAM = re.compile(r'([^ =\]"]+)="((?:[^"\\\]]|\\["\\\]])*)"')
FRAME = re.compile(r'^<(\d{1,3})>1 (\S+) (\S+) mieruka - (\S+) (\[mieruka@32473((?: [^ =\]"]+="(?:[^"\\\]]|\\["\\\]])*")*)\]) \ufeff(.*)$',
                   re.S)


def check_syslog(path, fmt, n):
    items = [json.loads(l) for l in open(path, encoding="utf-8", errors="surrogateescape")]
    errors = [i for i in items if isinstance(i, dict)]
    expect(not errors, "receiver errors: %s" % errors[:3])
    frames = [i for i in items if isinstance(i, str)]
    expect(len(frames) == n, "%d frames, want %d" % (len(frames), n))
    ids = []
    for f in frames:
        if fmt == "cef":
            m = re.match(r"^<(\d+)>1 \S+ \S+ mieruka - (\S+) - CEF:0\|Mieruka\|mieruka\|[^|]*\|\2\|.*\|[0-9]+\|(.*)$", f)
            expect(m is not None, "not CEF in RFC 5424: %r" % f[:100])
            if m:
                ext = m.group(3)
                idm = re.search(r"externalId=(\S+)", ext)
                ids.append(idm.group(1) if idm else None)
            continue
        m = FRAME.match(f)
        expect(m is not None, "not RFC 5424 with mieruka SD: %r" % f[:120])
        if not m:
            continue
        params = {k: re.sub(r'\\(["\\\]])', r"\1", v) for k, v in SD_PARAM.findall(m.group(6))}
        expect(params.get("change") == m.group(4), "MSGID %s != change %s" % (m.group(4), params.get("change")))
        expect(int(m.group(1)) in (132, 133), "PRI %s" % m.group(1))
        ids.append(params.get("id"))
    expect(len(set(ids)) == len(ids) and None not in ids, "frame ids repeat or miss")


def main():
    cmd = sys.argv[1]
    if cmd == "mail":
        check_mail(*sys.argv[2:8])
    elif cmd == "hook":
        check_hook(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif cmd == "syslog":
        check_syslog(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "subject":
        m = email.message_from_bytes(open(sys.argv[2], "rb").read(), policy=email.policy.default)
        expect(str(m["Subject"]) == sys.argv[3], "subject %r != %r" % (str(m["Subject"]), sys.argv[3]))
    for f in FAIL:
        print("  " + f)
    sys.exit(1 if FAIL else 0)


if __name__ == "__main__":
    main()
