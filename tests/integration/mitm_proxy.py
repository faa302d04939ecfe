#!/usr/bin/python3
"""mitm_proxy.py - an on-path attacker on a plain tcp:// peer link (tests).

Usage: mitm_proxy.py PORTFILE TARGET_PORT LOG [MODE]

Listens on 127.0.0.1 (a free port, written to PORTFILE once it listens)
and forwards every connection to 127.0.0.1:TARGET_PORT, reading nng's SP
framing (an 8-byte handshake each way, then frames of an 8-byte big-endian
length and the message: for REQ/REP a 4-byte request id, then the body).
Two attacks on transfers of at least 4 envelopes (the bulk
test messages; charters and chain heads travel alone):

  flip    the first such transfer has one byte flipped inside the payload
          of its envelope 1 (the second), after the sender signed it;
  replay  the first reply to such a transfer (a receipt) is kept; the
          receiver's reply to each of the next REPLAYS (3) such
          transfers, once that first one is answered, is dropped and the
          kept receipt is sent instead, under the new request's id (an old
          receipt, replayed in answer to a new transfer).

MODE resend (instead of those two): the receiver's reply to the first
such transfer is dropped and the very same request (the same bytes, the
same request id) is sent to the receiver again; its second reply goes to
the sender (an attacker who drops a receipt and replays the transfer).

What it did goes to LOG, one line each ("flipped ...", "replayed ...",
"resent ...").
Standard library only; ends when killed.
"""
import socket
import struct
import sys
import threading

lock = threading.RLock()
# the kept receipt goes back in answer to this many later transfers: a
# request the sender gave up on (its 15 s timeout, on a busy machine) never
# reads the reply it gets, so one replay alone may go unseen
REPLAYS = 3
state = {"flipped": False, "kept": None, "kept_id": None, "replayed": 0,
         "replace": set(), "resend_id": None, "resend": None,
         "resent": False}
log_path = None
mode = "flip-replay"


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


def cbor_head(b, i):
    """(major, value, next index) of the CBOR item head at b[i]."""
    ib = b[i]
    major, info = ib >> 5, ib & 0x1F
    i += 1
    if info < 24:
        return major, info, i
    n = {24: 1, 25: 2, 26: 4, 27: 8}[info]
    return major, int.from_bytes(b[i:i + n], "big"), i + n


def envelopes(body):
    """[(start, end)] of each envelope's bytes in a transfer, or []."""
    try:
        i = 0
        major, n, i = cbor_head(body, i)
        if major == 5:  # a batch: {1: manifest, 2: [envelopes]}
            if n != 2:
                return []
            _, _, i = cbor_head(body, i)          # key 1
            _, mlen, i = cbor_head(body, i)       # the manifest
            i += mlen
            _, _, i = cbor_head(body, i)          # key 2
            major, n, i = cbor_head(body, i)
        if major != 4:
            return []
        out = []
        for _ in range(n):
            major, ln, i = cbor_head(body, i)
            if major != 2:
                return []
            out.append((i, i + ln))
            i += ln
        return out
    except (IndexError, KeyError):
        return []


def client_to_server(c, s):
    try:
        s.sendall(read_exact(c, 8))  # SP handshake
        while True:
            hdr = read_exact(c, 8)
            n = struct.unpack(">Q", hdr)[0]
            msg = bytearray(read_exact(c, n))
            rid, body = bytes(msg[:4]), msg[4:]
            envs = envelopes(bytes(body))
            if mode == "resend":
                with lock:
                    if len(envs) >= 4 and state["resend_id"] is None:
                        state["resend_id"] = rid
                        state["resend"] = hdr + bytes(msg)
                    s.sendall(hdr + bytes(msg))
                continue
            if len(envs) >= 4:
                with lock:
                    flip = not state["flipped"]
                    state["flipped"] = True
                    if state["kept"] is None and state["kept_id"] is None:
                        state["kept_id"] = rid  # keep its reply
                    elif (state["kept"] is not None and
                          state["replayed"] < REPLAYS and not flip):
                        state["replayed"] += 1
                        state["replace"].add(rid)
                        log("will replay the kept receipt in answer to "
                            "request %s (%d envelopes)" % (rid.hex(),
                                                           len(envs)))
                if flip:
                    start, end = envs[1]
                    at = 4 + end - 10  # inside the payload's tail
                    msg[at] ^= 0x01
                    log("flipped a byte in envelope 1 of a transfer of %d "
                        "envelopes (request %s)" % (len(envs), rid.hex()))
            s.sendall(hdr + bytes(msg))
    except (EOFError, OSError):
        pass
    finally:
        for x in (c, s):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def server_to_client(s, c):
    try:
        c.sendall(read_exact(s, 8))
        while True:
            hdr = read_exact(s, 8)
            n = struct.unpack(">Q", hdr)[0]
            msg = read_exact(s, n)
            rid = msg[:4]
            with lock:
                if (mode == "resend" and rid == state["resend_id"] and
                        not state["resent"]):
                    state["resent"] = True
                    s.sendall(state["resend"])
                    log("dropped the reply to request %s and resent the "
                        "same request" % rid.hex())
                    continue
                if rid == state["kept_id"] and state["kept"] is None:
                    state["kept"] = msg[4:]
                    log("kept the receipt of request %s" % rid.hex())
                replace = rid in state["replace"]
                kept = state["kept"]
            if replace:
                msg = rid + kept
                hdr = struct.pack(">Q", len(msg))
                log("replayed the kept receipt in answer to request %s"
                    % rid.hex())
            c.sendall(hdr + msg)
    except (EOFError, OSError):
        pass
    finally:
        for x in (c, s):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(c, target):
    try:
        s = socket.create_connection(("127.0.0.1", target))
    except OSError:
        c.close()
        return
    threading.Thread(target=client_to_server, args=(c, s),
                     daemon=True).start()
    threading.Thread(target=server_to_client, args=(s, c),
                     daemon=True).start()


def main():
    global log_path, mode
    portfile, target, log_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if len(sys.argv) > 4:
        mode = sys.argv[4]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    import os
    os.rename(portfile + ".tmp", portfile)
    while True:
        c, _ = ls.accept()
        serve(c, target)


if __name__ == "__main__":
    main()
