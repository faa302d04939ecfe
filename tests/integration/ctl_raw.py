#!/usr/bin/env python3
# ctl_raw.py SOCKET OP [KEY=VALUE...] - test tool: one control request
# sent as the CLI would not send it (an empty value, say), over nng's
# REQ/REP on ipc (SP header, 0x01 + length framing); prints
# "STATUS MESSAGE" from the reply. Standard library only.
import socket,struct,sys
def t(s):
    b=s.encode(); n=len(b)
    return (bytes([0x60+n]) if n<24 else bytes([0x78,n]) if n<256 else bytes([0x79])+struct.pack('>H',n))+b
sock,op=sys.argv[1],sys.argv[2]
args=[a.split('=',1) for a in sys.argv[3:]]
body=b'\xa2\x01'+t(op)+b'\x02'+bytes([0xa0+len(args)])+b''.join(t(k)+t(v) for k,v in args)
s=socket.socket(socket.AF_UNIX); s.connect(sock)
s.sendall(b'\0SP\0'+struct.pack('>H',48)+b'\0\0')
h=b''
while len(h)<8: h+=s.recv(8-len(h))
msg=struct.pack('>I',0x80000001)+body
s.sendall(b'\x01'+struct.pack('>Q',len(msg))+msg)
def rd(n):
    b=b''
    while len(b)<n:
        c=s.recv(n-len(b))
        if not c: raise SystemExit('closed')
        b+=c
    return b
rd(1); n=struct.unpack('>Q',rd(8))[0]; r=rd(n)[4:]
i=1; st=None; m=''
def uint(i):
    a=r[i]&0x1f
    if a<24: return a,i+1
    if a==24: return r[i+1],i+2
    if a==25: return struct.unpack('>H',r[i+1:i+3])[0],i+3
    raise SystemExit('bad')
for _ in range(2):
    k,i=uint(i)
    if k==1: st,i=uint(i)
    elif k==2:
        l,i=uint(i); m=r[i:i+l].decode(); i+=l
print(st,m)
