#!/usr/bin/env python3
# terminal.py SETKEY - setkey -c at a terminal (a pty): each command applies
# as soon as its ';' is typed, before the end of the input; a bad command is
# reported at once and skipped; the exit status counts it.  Prints TAP lines
# "ok"/"not ok" (without numbers) for run.sh to number.
import os, pty, select, subprocess, sys, time

setkey = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execv(setkey, [setkey, "-c"])

out = b""
def read_for(secs, until=None):
    global out
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return
        if until is not None and until in out:
            return

def has_sa(spi):
    d = subprocess.run([setkey, "-D"], capture_output=True, text=True).stdout
    return ("spi=%d(0x%08x)" % (spi, spi)) in d

def wait_sa(spi, present):
    for _ in range(60):
        if has_sa(spi) == present:
            return True
        time.sleep(0.05)
    return False

def report(good, what):
    print(("ok - " if good else "not ok - ") + what)

os.write(fd, b'add 192.0.2.1 192.0.2.2 esp 0x4242 -E aes-cbc "0123456789abcdef" ;\n')
report(wait_sa(0x4242, True), "-c at a terminal: a typed add applies before the end of input")
os.write(fd, b"add 192.0.2.1 192.0.2.2 esp bogus ;\n")
read_for(3, b"bad number")
report(b"(stdin):2:" in out and b"bad number at `bogus'" in out,
       "-c at a terminal: a bad command is reported as soon as it is typed")
os.write(fd, b"delete 192.0.2.1 192.0.2.2 esp 0x4242 ;\n")
report(wait_sa(0x4242, False), "-c at a terminal: the next command still applies")
os.write(fd, b"\x04")
read_for(3)
_, status = os.waitpid(pid, 0)
report(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 1,
       "-c at a terminal: exit status 1 after an error (got %d)" % status)
