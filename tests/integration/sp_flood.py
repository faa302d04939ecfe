#!/usr/bin/python3
"""sp_flood.py - keep frames arriving at a node's peer socket, for tests.

  sp_flood.py URL N READY LIMIT - N plain TCP connections that speak SP as
      a REQ socket and send small junk frames back to back, reading the
      node's replies; once each has had a reply it writes "ok" to the
      file READY (or "late" when LIMIT s passed before that). Ends (exit 0) when the node has closed every connection, exit 1 if
      some are still open after LIMIT s.
  sp_flood.py URL N READY LIMIT noid - the same with frames that carry no
      request id, which the node's REP socket drops unanswered: READY once
      each connection has sent 200,000 of them (14 MB, more than the
      kernel's socket buffers hold: the node has read most of them).

Standard library only; loopback only; every wait is bounded.
"""
import os
import socket
import struct
import sys
import threading
import time

SP_REQ = b"\x00SP\x00\x00\x30\x00\x00"  # SP header of a REQ v0 socket


def flood(host, port, answered, closed, deadline, noid):
    try:
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(SP_REQ)
        if len(s.recv(8)) != 8:
            raise OSError("no SP header")
    except OSError:
        closed.set()
        return
    s.settimeout(max(1.0, deadline - time.time()))
    gone = threading.Event()

    def reader():
        try:
            while s.recv(65536):
                answered.set()
        except OSError:
            pass
        gone.set()

    threading.Thread(target=reader, daemon=True).start()
    # a request id (high bit set) and a body that is no transfer; or a
    # body whose first word lacks that bit: no request id
    body = struct.pack(">I", 0x00000001 if noid else 0x80000001) + \
        b"\x01" * 60
    frame = struct.pack(">Q", len(body)) + body
    sent = 0
    try:
        while not gone.is_set() and time.time() < deadline:
            s.sendall(frame)
            sent += 1
            if noid and sent == 200000:
                answered.set()
    except OSError:
        pass
    gone.wait(max(0.0, deadline - time.time()))
    if gone.is_set():
        closed.set()
    s.close()


def main():
    url, n, ready, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
        float(sys.argv[4])
    noid = len(sys.argv) > 5 and sys.argv[5] == "noid"
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    deadline = time.time() + limit
    evs = [(threading.Event(), threading.Event()) for _ in range(n)]
    for a, c in evs:
        threading.Thread(target=flood, args=(host, int(port), a, c,
                         deadline, noid), daemon=True).start()
    for a, c in evs:
        a.wait(max(0.0, deadline - time.time()))
    with open(ready + ".tmp", "w") as f:
        f.write("ok\n" if all(a.is_set() for a, c in evs) else "late\n")
    os.rename(ready + ".tmp", ready)
    for a, c in evs:
        c.wait(max(0.0, deadline - time.time()))
    sys.exit(0 if all(c.is_set() for a, c in evs) else 1)


main()
