#!/usr/bin/env python3
# ctl_until.py SOCKET OP MAX - test tool: sends the control request OP (no
# arguments, as `wijknet OP` sends it) up to MAX times over ONE connection
# (nng REQ/REP on ipc, as in ctl_raw.py), stopping at the first reply whose
# status is not 0. Prints "N STATUS MESSAGE": N requests answered with
# status 0 before it, then that reply's status and message. Exits 0 if a
# request was refused, 1 if all MAX were answered, 2 on a protocol error.
# One process instead of MAX CLI starts (slow under a sanitizer build).
# Standard library only.
import socket,struct,sys
def t(s):
    b=s.encode(); n=len(b)
    return (bytes([0x60+n]) if n<24 else bytes([0x78,n]) if n<256 else bytes([0x79])+struct.pack('>H',n))+b
sock,op,most=sys.argv[1],sys.argv[2],int(sys.argv[3])
body=b'\xa2\x01'+t(op)+b'\x02\xa0'
s=socket.socket(socket.AF_UNIX); s.connect(sock)
def rd(n):
    b=b''
    while len(b)<n:
        c=s.recv(n-len(b))
        if not c: print('connection closed'); sys.exit(2)
        b+=c
    return b
s.sendall(b'\0SP\0'+struct.pack('>H',48)+b'\0\0')
rd(8)
def uint(r,i):
    a=r[i]&0x1f
    if a<24: return a,i+1
    if a==24: return r[i+1],i+2
    if a==25: return struct.unpack('>H',r[i+1:i+3])[0],i+3
    print('unexpected CBOR head'); sys.exit(2)
for n in range(most):
    rid=0x80000001+n
    msg=struct.pack('>I',rid)+body
    s.sendall(b'\x01'+struct.pack('>Q',len(msg))+msg)
    rd(1); r=rd(struct.unpack('>Q',rd(8))[0])
    if struct.unpack('>I',r[:4])[0]!=rid: print('reply to another request'); sys.exit(2)
    r=r[4:]
    # the daemon writes key 1 (status) then key 2 (message) first
    if r[0] not in (0xa2,0xa3) or r[1]!=0x01: print('unexpected reply'); sys.exit(2)
    st,i=uint(r,2)
    if r[i]!=0x02 or r[i+1]>>5!=3: print('unexpected reply'); sys.exit(2)
    l,i=uint(r,i+1); m=r[i:i+l].decode()
    if st!=0:
        print(n,st,m); sys.exit(0)
print(most,0,''); sys.exit(1)
