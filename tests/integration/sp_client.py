#!/usr/bin/python3
"""sp_client.py - a misbehaving client of a node's peer socket, for tests.

Speaks nng's SP-over-TCP framing (optionally inside TLS) as a REQ socket
would, from a chosen loopback source address, and reports what the node
did with the connection. Standard library only; loopback only; every
wait is bounded.

  sp_client.py hello  URL SRC [TLS] - handshake, SP header, one junk frame:
                      prints "REFUSED <why>" or "ACCEPTED"
  sp_client.py hold   URL SRC N LIMIT [TLS] - N connections that send the
                      SP header and then nothing; exit 0 once the node has
                      closed them all, 1 if some are open after LIMIT s
  sp_client.py slow   URL SRC GAP LIMIT [TLS] - one connection sending a
                      frame one byte every GAP s; exit 0 once the node
                      closes it, 1 if still open after LIMIT s
  sp_client.py raw    URL SRC N HOLD - N plain TCP connections that send
                      the first 4 bytes of a TLS ClientHello and then
                      nothing; closes them all after HOLD s and prints
                      how many the node had closed by then
  sp_client.py bare   URL SRC N - N plain TCP connections closed at once
  sp_client.py quit   URL SRC N TLS - N connections that finish the TLS
                      handshake and close at once, before the SP header;
                      prints how many handshakes finished
  sp_client.py notify URL SRC TLS - a TLS handshake that reads the
                      server's first flight, then answers with a
                      close_notify alert (in the clear, as the handshake
                      is) and closes: prints "SENT" or "FAILED <why>"

TLS is CA,CERT,KEY,NAME: the federation CA, the client's certificate and
key (both empty: none), and the name the server's certificate must bear.
"""
import select
import socket
import ssl
import sys
import time

SP_REQ = b"\x00SP\x00\x00\x30\x00\x00"  # SP header of a REQ v0 socket


def connect(url, src, tls):
    hostport = url.split("://", 1)[1]
    host, port = hostport.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=10,
                                 source_address=(src, 0))
    if tls:
        ca, cert, key, name = tls.split(",")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(ca)
        if cert:
            ctx.load_cert_chain(cert, key)
        s = ctx.wrap_socket(s, server_hostname=name)
    return s


def closed(s):
    """True if the node closed s (EOF or reset); never blocks."""
    try:
        r, _, _ = select.select([s], [], [], 0)
        if not r and not (isinstance(s, ssl.SSLSocket) and s.pending()):
            return False
        s.setblocking(False)
        try:
            data = s.recv(4096)
        finally:
            s.setblocking(True)
        return data == b""
    except ssl.SSLWantReadError:
        return False
    except (OSError, ssl.SSLError):
        return True


def hello(url, src, tls=""):
    try:
        s = connect(url, src, tls)
        # TLS 1.2: the server checks the client's certificate before its
        # Finished, so a refusal shows in the handshake or the first read
        s.sendall(SP_REQ)
        frame = b"\x80\x00\x00\x01" + b"junk that is not a transfer"
        s.sendall(len(frame).to_bytes(8, "big") + frame)
        s.settimeout(10)
        got = s.recv(8)
        if got == b"":
            print("REFUSED connection closed")
            return 0
        print("ACCEPTED", flush=True)
        # wait for the node's answer to the junk (or its close), so that
        # closing does not reset the connection before the node read it
        want = 8
        while want > 0:
            got = s.recv(want)
            if got == b"":
                break
            want -= len(got)
        print("ANSWERED" if want == 0 else "CLOSED")
    except (OSError, ssl.SSLError) as e:
        print("REFUSED", type(e).__name__, str(e)[:120])
    return 0


def hold(url, src, n, limit, tls=""):
    socks = []
    for _ in range(int(n)):
        try:
            s = connect(url, src, tls)
            s.sendall(SP_REQ)
            socks.append(s)
        except (OSError, ssl.SSLError):
            pass  # refused at once: closed too
    deadline = time.monotonic() + float(limit)
    while time.monotonic() < deadline:
        socks = [s for s in socks if not closed(s)]
        if not socks:
            print("all closed")
            return 0
        time.sleep(0.05)
    print("still open:", len(socks))
    return 1


def slow(url, src, gap, limit, tls=""):
    s = connect(url, src, tls)
    s.sendall(SP_REQ)
    frame = (1000).to_bytes(8, "big") + b"\x80\x00\x00\x01" + b"x" * 996
    start = time.monotonic()
    for i, b in enumerate(frame):
        if time.monotonic() - start > float(limit):
            print("still open after", limit, "s and", i, "bytes")
            return 1
        try:
            s.sendall(bytes([b]))
        except (OSError, ssl.SSLError):
            print("closed after %d bytes, %.1f s" % (i, time.monotonic() - start))
            return 0
        t = time.monotonic() + float(gap)
        while time.monotonic() < t:
            if closed(s):
                print("closed after %d bytes, %.1f s" % (i + 1, time.monotonic() - start))
                return 0
            time.sleep(0.02)
    print("the whole frame went through")
    return 1


def raw(url, src, n, hold):
    hostport = url.split("://", 1)[1]
    host, port = hostport.rsplit(":", 1)
    socks = []
    for _ in range(int(n)):
        try:
            s = socket.create_connection((host, int(port)), timeout=10,
                                         source_address=(src, 0))
            s.sendall(bytes.fromhex("16030100"))
            socks.append(s)
        except OSError:
            pass
    print("opened", len(socks), flush=True)
    time.sleep(float(hold))
    print("closed by the node:", sum(1 for s in socks if closed(s)))
    for s in socks:
        s.close()
    return 0


def bare(url, src, n):
    hostport = url.split("://", 1)[1]
    host, port = hostport.rsplit(":", 1)
    for _ in range(int(n)):
        try:
            socket.create_connection((host, int(port)), timeout=10,
                                     source_address=(src, 0)).close()
        except OSError:
            pass
    return 0


def quit(url, src, n, tls):
    done = 0
    for _ in range(int(n)):
        try:
            s = connect(url, src, tls)
            done += 1
            s.close()
        except (OSError, ssl.SSLError):
            pass
    print(done)
    return 0


def notify(url, src, tls):
    ca, cert, key, name = tls.split(",")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=name)
    hostport = url.split("://", 1)[1]
    host, port = hostport.rsplit(":", 1)
    try:
        s = socket.create_connection((host, int(port)), timeout=10,
                                     source_address=(src, 0))
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        s.sendall(out.read())  # the ClientHello
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            data = s.recv(16384)
            if data == b"":
                print("FAILED the server closed")
                return 1
            inc.write(data)
            try:
                obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
            if out.pending:  # the server's flight is whole: we would answer
                s.sendall(b"\x15\x03\x03\x00\x02\x01\x00")  # close_notify
                s.close()
                print("SENT")
                return 0
        print("FAILED no whole flight in 30 s")
    except (OSError, ssl.SSLError) as e:
        print("FAILED", type(e).__name__, str(e)[:120])
    return 1


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    sys.exit({"hello": hello, "hold": hold, "slow": slow, "raw": raw,
              "notify": notify, "quit": quit, "bare": bare}[mode](*args))
