"""A real SMTP server on loopback for the tests (Python's aiosmtpd): every message it receives
is written, as received (RFC 5322 bytes), to a file in the directory given, named
<recipient>-<n>.eml, so a test reads what the server really sent over SMTP.

Usage: python3 tests/smtp/server.py DIR [PORT]   prints "smtp://127.0.0.1:PORT" when ready.
"""
import itertools
import os
import signal
import socket
import sys
import threading

from aiosmtpd.controller import Controller

out = sys.argv[1]
port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
if port == 0:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
os.makedirs(out, exist_ok=True)
counter = itertools.count(1)
lock = threading.Lock()


class Keep:
    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            with lock:
                n = next(counter)
            safe = "".join(c if c.isalnum() or c in "@._-" else "_" for c in rcpt.lower())
            tmp = os.path.join(out, f".{safe}-{n}.tmp")
            with open(tmp, "wb") as f:
                f.write(envelope.original_content or envelope.content)
            os.rename(tmp, os.path.join(out, f"{safe}-{n}.eml"))
        return "250 OK"


controller = Controller(Keep(), hostname="127.0.0.1", port=port)
controller.start()
print(f"smtp://127.0.0.1:{port}", flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
stop.wait()
controller.stop()
