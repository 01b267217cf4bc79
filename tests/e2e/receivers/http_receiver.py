#!/usr/bin/python3
"""HTTP receiver for the webhook tests: records each POST as OUT_DIR/<n>.body
(raw bytes) and OUT_DIR/<n>.json (path and headers), answers STATUS (200).
A recorded message is on disk (fsync) before the answer; with --delay S the
answer comes S seconds after that (the window where a sender that dies never
learns its message was accepted). With --echo-path the reply's body is the
request path (a server that repeats the URL in its error page, as some do).
Writes READY_FILE once listening.
Usage: http_receiver.py --port N --out DIR --ready FILE [--status 200] [--delay 0] [--echo-path]
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--echo-path", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    count = [len([n for n in os.listdir(a.out) if n.endswith(".body")])]
    lock = threading.Lock()

    class H(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if a.status // 100 == 2:
                with lock:
                    count[0] += 1
                    base = os.path.join(a.out, "%04d" % count[0])
                with open(base + ".json", "w") as f:
                    json.dump({"path": self.path, "headers": dict(self.headers.items())}, f)
                    f.flush()
                    os.fsync(f.fileno())
                with open(base + ".body.tmp", "wb") as f:
                    f.write(body)
                    f.flush()
                    os.fsync(f.fileno())
                os.rename(base + ".body.tmp", base + ".body")
            if a.delay > 0:
                time.sleep(a.delay)
            reply = ("not found: " + self.path).encode() if a.echo_path else b"ok"
            self.send_response(a.status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", a.port), H)
    with open(a.ready, "w") as f:
        f.write(str(a.port))
    srv.serve_forever()


if __name__ == "__main__":
    main()
