#!/usr/bin/env python3
# ctl_fill.py SOCKET LOG MAX - test tool for a node whose disk is full:
# makes the full disk hold for audit records too. A refused write leaves
# the node holding its refusal's audit record in memory; a later request
# whose transaction commits writes what is held first and logs "there is
# room again" (its record fitted: the audit table's last page had room, or
# a checkpoint freed WAL frames). So, over ONE connection (as
# ctl_until.py), this sends a write (record.add, refused) then `status`,
# up to MAX times, until five statuses in a row wrote nothing (no new
# "there is room again" in LOG, the daemon's log). Prints "N" rounds.
# Exits 0 then, 1 if MAX rounds went by, 2 on a protocol error or a write
# that was not refused. Standard library only.
import socket,struct,sys
def t(s):
    b=s.encode(); n=len(b)
    return (bytes([0x60+n]) if n<24 else bytes([0x78,n]))+b
def req(op,args):
    return b'\xa2\x01'+t(op)+b'\x02'+bytes([0xa0+len(args)])+b''.join(t(k)+t(v) for k,v in args)
sock,log,most=sys.argv[1],sys.argv[2],int(sys.argv[3])
write=req('record.add',[('subject','S-fill'),('category','signals'),('field','note'),('value','fill')])
status=req('status',[])
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
rid=0x80000000
def ask(body):
    global rid
    rid+=1
    msg=struct.pack('>I',rid)+body
    s.sendall(b'\x01'+struct.pack('>Q',len(msg))+msg)
    rd(1); r=rd(struct.unpack('>Q',rd(8))[0])
    if struct.unpack('>I',r[:4])[0]!=rid: print('reply to another request'); sys.exit(2)
    r=r[4:]
    if r[0] not in (0xa2,0xa3) or r[1]!=0x01: print('unexpected reply'); sys.exit(2)
    return r[2]  # the status, a small uint
def room():
    with open(log,'rb') as f: return f.read().count(b'there is room again')
quiet=0
for n in range(most):
    if ask(write)==0: print('a write was not refused'); sys.exit(2)
    before=room()
    ask(status)
    quiet=quiet+1 if room()==before else 0
    if quiet==5:
        print(n+1); sys.exit(0)
print(most); sys.exit(1)
