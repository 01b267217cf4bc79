#!/usr/bin/python3
"""Syslog receiver for the delivery tests: UDP (one message per datagram), TCP
with RFC 6587 octet counting, or TLS (RFC 5425, --cert/--key). Appends each
message as one JSON string per line to OUT_FILE (so bytes survive exactly).
Writes READY_FILE once listening. A frame that is not octet-counted is an
error line {"error": ...}.
Usage: syslog_receiver.py --proto udp|tcp|tls --port N --out FILE --ready FILE [--cert C --key K]
"""
import argparse
import json
import socket
import ssl
import threading


def read_frames(conn, out, lock):
    buf = b""
    while True:
        try:
            data = conn.recv(65536)
        except (OSError, ssl.SSLError):
            break
        if not data:
            break
        buf += data
        while True:
            sp = buf.find(b" ")
            if sp < 0:
                break
            if not buf[:sp].isdigit():
                write(out, lock, {"error": "not octet-counted: %r" % buf[:40]})
                return
            n = int(buf[:sp])
            if len(buf) < sp + 1 + n:
                break
            write(out, lock, buf[sp + 1:sp + 1 + n].decode("utf-8", "surrogateescape"))
            buf = buf[sp + 1 + n:]
    if buf:
        write(out, lock, {"error": "trailing bytes: %r" % buf[:40]})
    conn.close()


def write(path, lock, item):
    with lock:
        with open(path, "a", encoding="utf-8", errors="surrogateescape") as f:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proto", choices=["udp", "tcp", "tls"], required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    a = ap.parse_args()
    lock = threading.Lock()
    if a.proto == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", a.port))
        open(a.ready, "w").write(str(a.port))
        while True:
            data, _ = s.recvfrom(65536)
            write(a.out, lock, data.decode("utf-8", "surrogateescape"))
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", a.port))
    s.listen(16)
    ctx = None
    if a.proto == "tls":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
    open(a.ready, "w").write(str(a.port))
    while True:
        conn, _ = s.accept()
        if ctx is not None:
            try:
                conn = ctx.wrap_socket(conn, server_side=True)
            except (OSError, ssl.SSLError) as e:
                write(a.out, lock, {"error": "handshake: %s" % e})
                conn.close()
                continue
        threading.Thread(target=read_frames, args=(conn, a.out, lock), daemon=True).start()


if __name__ == "__main__":
    main()
