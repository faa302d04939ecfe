#!/usr/bin/python3
"""answer_proxy.py - an on-path attacker on a plain tcp:// peer link
(tests): forwards both ways unchanged until FLAGFILE exists; from then on
it answers every request itself with the bytes of REPLYFILE (a signed
reply it obtained elsewhere, read afresh for each request), under the
request's id, and forwards nothing. Each answer is a line "answered
request ..." in LOG. nng's SP framing as in mitm_proxy.py.

Usage: answer_proxy.py PORTFILE TARGET_PORT LOG FLAGFILE REPLYFILE

Standard library only; ends when killed. (From the review of the
forward-secrecy sessions, review/err_proxy.py.)
"""
import os
import socket
import struct
import sys
import threading

lock = threading.Lock()
portfile, target, log_path, flag, replyfile = sys.argv[1:6]
target = int(target)


def log(line):
    with lock:
        with open(log_path, "a") as f:
            f.write(line + "\n")


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def c2s(c, s, clock):
    try:
        s.sendall(read_exact(c, 8))
        while True:
            hdr = read_exact(c, 8)
            msg = read_exact(c, struct.unpack(">Q", hdr)[0])
            if os.path.exists(flag):
                with open(replyfile, "rb") as f:
                    rep = msg[:4] + f.read()
                with clock:
                    c.sendall(struct.pack(">Q", len(rep)) + rep)
                log("answered request %s (%d bytes) with the kept ERROR"
                    % (msg[:4].hex(), len(msg)))
                continue
            s.sendall(hdr + msg)
    except (EOFError, OSError):
        pass
    finally:
        for x in (c, s):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def s2c(s, c, clock):
    try:
        hs = read_exact(s, 8)
        with clock:
            c.sendall(hs)
        while True:
            hdr = read_exact(s, 8)
            msg = read_exact(s, struct.unpack(">Q", hdr)[0])
            with clock:
                c.sendall(hdr + msg)
    except (EOFError, OSError):
        pass


def main():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    while True:
        c, _ = ls.accept()
        try:
            s = socket.create_connection(("127.0.0.1", target))
        except OSError:
            c.close()
            continue
        clock = threading.Lock()
        threading.Thread(target=c2s, args=(c, s, clock), daemon=True).start()
        threading.Thread(target=s2c, args=(s, c, clock), daemon=True).start()


if __name__ == "__main__":
    main()
