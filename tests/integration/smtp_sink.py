#!/usr/bin/python3
# smtp_sink.py PORT DIR READY - an SMTP server on 127.0.0.1:PORT (Debian's
# python3-aiosmtpd) that keeps each message it accepts as a file in DIR
# (NNNN.eml, the message as received; NNNN.rcpt, its envelope recipients),
# written whole and renamed before it answers 250, so a mail the sender
# was told is accepted is there. It writes READY once it listens, and ends
# on SIGTERM or SIGINT. No TLS, no AUTH: the tests' nodes use
# starttls = none on loopback.
import os
import signal
import sys

from aiosmtpd.controller import Controller

port, folder, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
os.makedirs(folder, exist_ok=True)


class Keep:
    def __init__(self):
        self.n = len([f for f in os.listdir(folder) if f.endswith(".eml")])

    def _put(self, name, data):
        tmp = os.path.join(folder, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(folder, name))

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = "%04d" % self.n
        self._put(base + ".rcpt", ("\n".join(envelope.rcpt_tos) + "\n").encode())
        self._put(base + ".eml", envelope.original_content)
        return "250 OK kept as " + base


signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
ctl = Controller(Keep(), hostname="127.0.0.1", port=port)
ctl.start()
with open(ready + ".tmp", "w") as f:
    f.write("%d\n" % port)
os.rename(ready + ".tmp", ready)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
ctl.stop()
