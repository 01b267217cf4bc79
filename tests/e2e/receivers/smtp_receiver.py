#!/usr/bin/python3
"""SMTP receiver for the delivery tests (Debian's python3-aiosmtpd).

Writes each accepted message to OUT_DIR/<n>.eml (the bytes as received after
DATA) and OUT_DIR/<n>.env (MAIL FROM and RCPT TO, one per line). Optional
STARTTLS (--cert/--key, required with --require-tls) and AUTH PLAIN/LOGIN
(--auth user:password). With --reject "554 5.7.1 relay denied" every RCPT TO
gets that reply. Writes READY_FILE once listening.
Usage: smtp_receiver.py --port N --out DIR --ready FILE [--cert C --key K] [--auth U:P] [--reject REPLY]
"""
import argparse
import os
import ssl
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, out, reject=None):
        self.out = out
        self.n = 0
        self.reject = reject

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject:
            return self.reject
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.out, "%04d" % self.n)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".env", "w") as f:
            f.write(envelope.mail_from + "\n" + "\n".join(envelope.rcpt_tos) + "\n")
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK queued as %d" % self.n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--require-tls", action="store_true")
    ap.add_argument("--auth")
    ap.add_argument("--reject")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    kw = {}
    if a.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
        kw["tls_context"] = ctx
        kw["require_starttls"] = a.require_tls
    if a.auth:
        user, pw = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and \
                auth_data.password.decode() == pw
            return AuthResult(success=ok)

        kw["authenticator"] = authenticator
        kw["auth_required"] = True
        kw["auth_require_tls"] = bool(a.cert)
    c = Controller(Handler(a.out, a.reject), hostname="127.0.0.1", port=a.port, server_hostname="localhost", **kw)
    c.start()
    with open(a.ready, "w") as f:
        f.write(str(a.port))
    try:
        while True:
            time.sleep(3600)
    finally:
        c.stop()


if __name__ == "__main__":
    main()
