#!/usr/bin/env python3
# deadpeer.py SOCKET - a stand-in for pfkeyd that answers SADB_DUMP with two
# ESP SAs, one mature and one dead, and exits after one connection.
#
# pfkeyd itself removes an SA the moment it hard-expires (the SADB_EXPIRE it
# broadcasts carries state=dead), so it never dumps a dead SA; a PF_KEY peer
# that keeps dead SAs for a while (the KAME kernel does) may.  This peer lets
# the tests check that setkey -D hides dead SAs and setkey -D -a shows them.
import os, socket, struct, sys

SADB_DUMP, SATYPE_ESP = 10, 3

def sa_ext(spi, state):
    # sadb_sa: len type spi replay state auth encrypt flags
    return struct.pack("=HHIBBBBI", 2, 1, socket.htonl(spi), 0, state, 0, 12, 0)

def addr_ext(exttype, ip):
    sin = struct.pack("=H", socket.AF_INET) + b"\0\0" + socket.inet_aton(ip) + b"\0" * 8
    return struct.pack("=HHBBH", 3, exttype, 255, 32, 0) + sin

def key_ext():
    return struct.pack("=HHHH", 3, 9, 128, 0) + bytes(range(16))

def record(seq, pid, spi, state, src, dst):
    body = sa_ext(spi, state) + addr_ext(5, src) + addr_ext(6, dst) + key_ext()
    ln = (16 + len(body)) // 8
    return struct.pack("=BBBBHHII", 2, SADB_DUMP, 0, SATYPE_ESP, ln, 0, seq, pid) + body

path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(path)
s.listen(1)
open(path + ".ready", "w").close()
c, _ = s.accept()
while True:
    m = c.recv(65536)
    if not m:
        break
    ver, typ, errno, satype, ln, res, seq, pid = struct.unpack("=BBBBHHII", m[:16])
    if typ != SADB_DUMP:
        c.send(struct.pack("=BBBBHHII", 2, typ, 22, satype, 2, 0, seq, pid))
        continue
    c.send(record(2, pid, 0x1001, 1, "192.0.2.1", "192.0.2.2"))   # mature
    c.send(record(1, pid, 0x1002, 3, "192.0.2.1", "192.0.2.3"))   # dead
    c.send(record(0, pid, 0x1003, 2, "192.0.2.1", "192.0.2.4"))   # dying
c.close()
os.unlink(path)
