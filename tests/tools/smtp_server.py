"""A real SMTP server for the mail tests (Debian's python3-aiosmtpd).

    /usr/bin/python3 smtp_server.py DIR [--auth USER:PASSWORD] [--tls CERT KEY]

Listens on a free 127.0.0.1 port and prints "listening PORT" once it
accepts connections. Each message accepted is written to DIR/NNNN.eml (in
the order received). By recipient: reject-*@... is refused with 550 (a
permanent refusal), flaky-*@... with 451 (transient) on its first two tries;
every other one is accepted. With --auth, a client must authenticate with
USER and PASSWORD (over the plain connection: a test server). With --tls,
the server offers STARTTLS with that certificate and requires it before
anything else. Runs until killed.
"""
import argparse
import os
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.tries = {}
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, options):
        local = address.split("@")[0]
        if local.startswith("reject-"):
            return "550 5.1.1 no such mailbox here"
        if local.startswith("flaky-"):
            with self.lock:
                self.tries[address] = self.tries.get(address, 0) + 1
                if self.tries[address] <= 2:
                    return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            path = os.path.join(self.directory, "%04d.eml" % self.count)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-From: " + envelope.mail_from.encode() + b"\r\n")
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(tmp, path)
        return "250 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--auth")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = parser.parse_args()
    directory = args.directory
    auth = args.auth.split(":", 1) if args.auth else None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kwargs = {}
    if auth is not None:
        def authenticator(server, session, envelope, mechanism, data):
            ok = (data.login.decode() == auth[0] and
                  data.password.decode() == auth[1])
            return AuthResult(success=ok)
        kwargs = dict(authenticator=authenticator, auth_required=True,
                      auth_require_tls=False)
    if args.tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls[0], args.tls[1])
        kwargs.update(tls_context=context, require_starttls=True)
    controller = Controller(Handler(directory), hostname="127.0.0.1",
                            port=port, **kwargs)
    controller.start()
    print("listening %d" % port, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
