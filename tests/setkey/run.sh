#!/bin/bash
# setkey golden transcripts and integration tests, printing TAP.
#
#   run.sh SETKEY            (meson passes the built binary)
#   UPDATE=1 run.sh SETKEY   rewrites the .out files from what setkey prints
#
# Each X.in is run as "setkey ARGS -f X.in" from this directory, with ARGS
# from X.args (default -nv), and its standard output, standard error and
# exit status are compared with X.out by diff -u.  When pfkeyd is built
# beside setkey, a private daemon is started on a socket in a temporary
# directory and the integration cases run against it.
set -u
SETKEY=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
PFKEYD=$(dirname "$SETKEY")/../../daemon/pfkeyd
TMP=$(mktemp -d)
DAEMON_PID=
export TZ=UTC LC_ALL=C
n=0
failed=0

cleanup() {
	if [ -n "$DAEMON_PID" ]; then
		kill "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

# check NAME EXPECTED_FILE ACTUAL_FILE
check() {
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$3" "$2"
	fi
	if diff -u "$2" "$3" > "$TMP/diff"; then
		ok "$1"
	else
		not_ok "$1"
		sed 's/^/# /' "$TMP/diff"
	fi
}

# -------------------------------------------------------- golden transcripts
cd "$HERE" || exit 1
for in in *.in; do
	t=${in%.in}
	args="-nv"
	[ -f "$t.args" ] && args=$(cat "$t.args")
	# shellcheck disable=SC2086
	"$SETKEY" $args -f "$in" > "$TMP/$t.out" 2>&1
	echo "exit $?" >> "$TMP/$t.out"
	check "$t: setkey $args -f $in" "$t.out" "$TMP/$t.out"
done

# the same file on standard input, with -f - and with -c
"$SETKEY" -n -f - < errors.in > "$TMP/stdin.out" 2>&1
echo "exit $?" >> "$TMP/stdin.out"
sed 's/^setkey: errors\.in/setkey: (stdin)/' errors.out > "$TMP/stdin.exp"
check "errors: setkey -n -f - (standard input)" "$TMP/stdin.exp" "$TMP/stdin.out"
"$SETKEY" -n -c < errors.in > "$TMP/c.out" 2>&1
echo "exit $?" >> "$TMP/c.out"
check "errors: setkey -n -c" "$TMP/stdin.exp" "$TMP/c.out"

# options that print and exit
if "$SETKEY" -V | grep -q '^setkey (pfkey) [0-9]'; then ok "-V"; else not_ok "-V"; fi
for h in -h '-?'; do
	if "$SETKEY" $h | grep -q '^usage: setkey' ; then ok "$h prints usage"
	else not_ok "$h prints usage"; fi
done
if ! "$SETKEY" -Z > /dev/null 2>&1; then ok "unknown option fails"
else not_ok "unknown option fails"; fi

# setkey FILE...: a raw SADB_FLUSH and a truncated message
printf '\x02\x09\x00\x00\x02\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00' > "$TMP/flush.raw"
printf '\x02\x03\x00\x03\x08\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00' > "$TMP/trunc.raw"
(cd "$TMP" && "$SETKEY" flush.raw trunc.raw > raw.out 2>&1; echo "exit $?" >> raw.out)
check "setkey FILE... decodes raw messages" raw.exp "$TMP/raw.out"
(cd "$TMP" && "$SETKEY" -H flush.raw > rawhex.out 2>&1; echo "exit $?" >> rawhex.out)
check "setkey -H FILE decodes raw messages with a hex dump" rawhex.exp "$TMP/rawhex.out"

# -4 / -6 restrict every command's family; a numeric address of the other
# family is refused
for fam in 4 6; do
	"$SETKEY" -n -$fam -f family.conf > "$TMP/family$fam.out" 2>&1
	echo "exit $?" >> "$TMP/family$fam.out"
	check "setkey -n -$fam -f family.conf" "family$fam.exp" "$TMP/family$fam.out"
done

# -a: pfkeyd removes an SA when it hard-expires, so it never dumps a dead
# SA; a stand-in peer that does checks that -D hides it and -D -a shows it,
# in both the long and the -l forms
dead() {
	rm -f "$TMP/dead.sock" "$TMP/dead.sock.ready"
	python3 "$HERE/deadpeer.py" "$TMP/dead.sock" &
	dpid=$!
	for _ in $(seq 50); do [ -e "$TMP/dead.sock.ready" ] && break; sleep 0.1; done
	echo "== setkey $*"
	PFKEY_SOCKET="$TMP/dead.sock" PFKEY_NO_AUTOSTART=1 timeout 0.5 "$SETKEY" "$@"
	echo "exit $?"
	kill "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null
}
{ dead -D; dead -D -a; dead -D -l; dead -D -l -a; } 2>&1 |
	sed -E 's/pid=[0-9]+/pid=PID/; s/^[ 0-9]{4} (esp)/TIME \1/' |
	awk '/^time p/ { if (seen++) skip = 1 } /^exit/ { skip = 0; seen = 0 } !skip' > "$TMP/dead.out"
check "-a shows dead SAs (-D, -D -a, -D -l, -D -l -a)" dead.exp "$TMP/dead.out"

# a file of 100000 commands: parsed in bounded memory, every error reported
python3 - "$TMP/big.in" "$TMP/big.exp" <<'EOF'
import sys
bad = []
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        spi = 0x1000 + i
        if i in (12345, 67890):
            spi = 200                      # reserved: refused at parse time
        line = ("add 10.%d.%d.1 10.0.0.2 esp 0x%x -E aes-cbc "
                "0x00112233445566778899aabbccddeeff -A hmac-sha1 "
                "\"01234567890123456789\" ;\n" % (i >> 8 & 255, i & 255, spi))
        if spi == 200:
            bad.append((i + 1, line.index("0xc8") + 1))
        f.write(line)
with open(sys.argv[2], "w") as f:
    for ln, col in bad:
        f.write("setkey: %s:%d:%d: spi 200 is reserved (0-255), expected "
                "256 to 4294967295\n" % (sys.argv[1], ln, col))
    f.write("setkey: %s: 2 errors, nothing applied\n" % sys.argv[1])
EOF
"$SETKEY" -n -f "$TMP/big.in" > "$TMP/big.out" 2>&1
check "100k lines -n: exactly the 2 bad lines" "$TMP/big.exp" "$TMP/big.out"

# ----------------------------------------------------------- name resolution
# Names resolve through a private /etc/hosts, which needs a mount namespace:
# only as root.  Otherwise only the numeric cases above run.
if [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
	printf '192.0.2.10 multi.test\n192.0.2.11 multi.test\n2001:db8::10 multi.test\n192.0.2.1 one.test\n' > "$TMP/hosts"
	printf 'hosts: files\n' > "$TMP/nsswitch"
	cat > "$TMP/names.in" <<'EOF'
add multi.test one.test esp 0x1000 -E aes-cbc "0123456789abcdef" ;
add -6 multi.test multi.test esp 0x1001 -E aes-cbc "0123456789abcdef" ;
add -n multi.test one.test esp 0x1002 -E aes-cbc "0123456789abcdef" ;
EOF
	unshare -m sh -c "mount --bind $TMP/hosts /etc/hosts &&
		mount --bind $TMP/nsswitch /etc/nsswitch.conf &&
		$SETKEY -nv -f $TMP/names.in" > "$TMP/names.out" 2>&1
	msgs=$(grep -c '^sadb_msg{' "$TMP/names.out")
	if [ "$msgs" = 3 ] && grep -q "names.in:3:8: bad address at \`multi.test'" "$TMP/names.out"; then
		ok "names: every same-family pair, -6, -n refuses names"
	else
		not_ok "names: every same-family pair, -6, -n refuses names"
		sed 's/^/# /' "$TMP/names.out"
	fi
else
	echo "# note: not root, name resolution cases not run (numeric cases only)"
fi

# ------------------------------------------------------------- integration
if [ ! -x "$PFKEYD" ]; then
	echo "# note: no pfkeyd beside setkey ($PFKEYD): integration cases not run"
	echo "1..$n"
	exit $((failed > 0))
fi
export PFKEY_SOCKET="$TMP/pfkey.sock" PFKEY_NO_AUTOSTART=1
"$PFKEYD" --foreground --socket "$PFKEY_SOCKET" 2> "$TMP/pfkeyd.log" &
DAEMON_PID=$!
for _ in $(seq 50); do [ -S "$PFKEY_SOCKET" ] && break; sleep 0.1; done

# dates and pids change from run to run
mask() {
	sed -E 's/(created|current|lastused): [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [0-9]{4}/\1: DATE/g;
		s/(^|[ \t])pid=[0-9]+/\1pid=PID/g; s/diff: [0-9]+/diff: N/'
}

cd "$HERE/live" || exit 1
for in in *.in; do
	t=${in%.in}
	"$SETKEY" -F > /dev/null 2>&1
	"$SETKEY" -FP > /dev/null 2>&1
	args="-f"
	[ -f "$t.args" ] && args=$(cat "$t.args")
	# shellcheck disable=SC2086
	{ "$SETKEY" $args "$in"; echo "exit $?"
	  echo "== setkey -D"; "$SETKEY" -D; echo "exit $?"
	  echo "== setkey -DP"; "$SETKEY" -DP; echo "exit $?"; } 2>&1 | mask > "$TMP/$t.out"
	check "live $t: setkey $args $in, -D, -DP" "$t.out" "$TMP/$t.out"
done

# -x sees another process's add
"$SETKEY" -F > /dev/null 2>&1
"$SETKEY" -x > "$TMP/x.out" 2>&1 &
XPID=$!
sleep 0.3
printf 'add 192.0.2.1 192.0.2.2 esp 0x9999 -E aes-cbc "0123456789abcdef" -A hmac-sha1 "01234567890123456789" ;\n' |
	"$SETKEY" -c > /dev/null 2>&1
sleep 0.3
kill "$XPID"; wait "$XPID" 2>/dev/null
if grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} sadb_msg\{ version=2 type=3 ' "$TMP/x.out" &&
   grep -q 'spi=39321' "$TMP/x.out"; then
	ok "-x shows another process's add with a timestamp"
else
	not_ok "-x shows another process's add with a timestamp"
	sed 's/^/# /' "$TMP/x.out"
fi

# a file with errors changes nothing, even after a good prefix
"$SETKEY" -F > /dev/null 2>&1; "$SETKEY" -FP > /dev/null 2>&1
printf 'add 192.0.2.1 192.0.2.2 esp 0x1001 -E aes-cbc "0123456789abcdef" ;\nspdadd 10.0.0.0/24 10.0.1.0/24 any -P out none ;\n' |
	"$SETKEY" -f - > /dev/null 2>&1
{ "$SETKEY" -D; "$SETKEY" -DP; } | mask > "$TMP/before.out"
(cd "$HERE" && "$SETKEY" -f syntax.conf) > "$TMP/syntax.out" 2>&1
echo "exit $?" >> "$TMP/syntax.out"
check "a file with errors reports each and applies nothing" "$HERE/syntax.exp" "$TMP/syntax.out"
{ "$SETKEY" -D; "$SETKEY" -DP; } | mask > "$TMP/after.out"
check "a file with errors leaves the SAD and SPD unchanged" "$TMP/before.out" "$TMP/after.out"

# -v -c, -p, -D -P spelled apart, -v -D, -l (its first screen), -F -P, -f -
"$SETKEY" -F > /dev/null 2>&1; "$SETKEY" -FP > /dev/null 2>&1
{ echo "== setkey -v -c"; "$SETKEY" -v -c < "$HERE/options.conf"; echo "exit $?"
  echo "== setkey -D -p"; "$SETKEY" -D -p; echo "exit $?"
  echo "== setkey -D -P"; "$SETKEY" -D -P; echo "exit $?"
  echo "== setkey -v -D"; "$SETKEY" -v -D; echo "exit $?"
  echo "== setkey -D -l"; timeout 1.5 "$SETKEY" -D -l | awk '/^time p/ && seen++ { exit } 1'
  echo "== setkey -F -P, -F, -f -"
  "$SETKEY" -F -P; echo "exit $?"; "$SETKEY" -F; echo "exit $?"
  echo "dump ; spddump ;" | "$SETKEY" -f -; echo "exit $?"
} 2>&1 | mask | sed -E 's/seq=[0-9]+ pid=PID/seq=SEQ pid=PID/; s/addtime=[0-9]+/addtime=T/;
	s/^[ 0-9]{4} (esp)/TIME \1/; s/ [0-9]+\/0 / A\/0 /; s/ id=[0-9]+ / id=ID /; s/spid=[0-9]+/spid=ID/' > "$TMP/opts.out"
check "-v -c, -D -p, -D -P, -v -D, -D -l, -F -P, -F, -f -" "$HERE/options.exp" "$TMP/opts.out"

# -x -H (and -h), -xx: timestamps and a hex dump of another process's add
for xo in "-x -H" "-xx -H" "-x -h" "-xx"; do
	# shellcheck disable=SC2086
	"$SETKEY" $xo > "$TMP/xo.out" 2>&1 &
	XPID=$!
	sleep 0.3
	printf 'add 192.0.2.1 192.0.2.2 esp 0x7777 -E aes-cbc "0123456789abcdef" ;\n' |
		"$SETKEY" -c > /dev/null 2>&1
	sleep 0.3
	kill "$XPID"; wait "$XPID" 2>/dev/null
	echo "== setkey $xo"
	# the request only; its header row and header text hold seq and pid
	awk '{ print } /^}$/ { exit }' "$TMP/xo.out" |
		sed -E 's/^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} /HH:MM:SS.USEC /;
			s/^[0-9]{9,}\.[0-9]{6} /SECS.USEC /;
			s/00000000: .*/00000000: HEADER/; s/seq=[0-9]+ pid=[0-9]+/seq=SEQ pid=PID/'
	"$SETKEY" -F > /dev/null 2>&1
done > "$TMP/x.out"
check "-x -H, -xx -H, -x -h, -xx: timestamps, hex rows, the add" "$HERE/monitor.exp" "$TMP/x.out"

# 100k adds through pfkeyd, pipelined, with duplicates refused on their lines
"$SETKEY" -F > /dev/null 2>&1
python3 - "$TMP/apply.in" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        spi = 0x1000 + i
        if i in (31337, 77777, 99999):
            spi = 0x1000 + i - 1           # same SA as the line before
            f.write("add 10.%d.%d.1 10.0.0.2 esp 0x%x -E aes-cbc "
                    "0x00112233445566778899aabbccddeeff ;\n"
                    % ((i - 1) >> 8 & 255, (i - 1) & 255, spi))
            continue
        f.write("add 10.%d.%d.1 10.0.0.2 esp 0x%x -E aes-cbc "
                "0x00112233445566778899aabbccddeeff ;\n" % (i >> 8 & 255, i & 255, spi))
EOF
"$SETKEY" -f "$TMP/apply.in" > "$TMP/apply.out" 2>&1
echo "exit $?" >> "$TMP/apply.out"
printf '%s\n' "setkey: $TMP/apply.in:31338: File exists" \
	"setkey: $TMP/apply.in:77778: File exists" \
	"setkey: $TMP/apply.in:100000: File exists" "exit 1" > "$TMP/apply.exp"
# the diagnostic text after "File exists" is the daemon's: compare the head
sed -E 's/(File exists).*/\1/' "$TMP/apply.out" > "$TMP/apply.cut"
check "100k adds through pfkeyd: exactly the 3 refused lines" "$TMP/apply.exp" "$TMP/apply.cut"
count=$("$SETKEY" -D | grep -c '^	esp ')
if [ "$count" = 99997 ]; then ok "100k adds: 99997 SAs in the SAD"
else not_ok "100k adds: 99997 SAs in the SAD (got $count)"; fi
"$SETKEY" -F > /dev/null 2>&1

# setkey -c at a terminal: commands apply as they are typed
"$SETKEY" -F > /dev/null 2>&1
python3 "$HERE/terminal.py" "$SETKEY" > "$TMP/term.out" 2>&1
while IFS= read -r l; do
	case $l in
	"ok - "*) ok "${l#ok - }" ;;
	"not ok - "*) not_ok "${l#not ok - }" ;;
	*) not_ok "terminal.py: $l" ;;
	esac
done < "$TMP/term.out"
[ -s "$TMP/term.out" ] || not_ok "terminal.py printed nothing"

# Beyond pass 1's spool (32 MiB of messages, about 190k of these SAs): what
# fitted is replayed, the rest parsed again from where the spool stopped, so
# refusals after that point still name their lines; deleteall on both sides
# of it; from a file and from standard input.
python3 - "$TMP/spool.in" "$TMP/spool.exp" <<'EOF'
import sys
N = 260000
dups = (1000, 150000, 230000, 259999)
with open(sys.argv[1], "w") as f, open(sys.argv[2], "w") as e:
    line = 1
    for i in range(N):
        src = "10.%d.%d.1" % (i >> 16 & 255, i >> 8 & 255)
        spi = 0x1000 + i
        if i in dups:
            spi -= 1
            src = "10.%d.%d.1" % ((i - 1) >> 16 & 255, (i - 1) >> 8 & 255)
            e.write("setkey: FILE:%d: File exists\n" % line)
        if 10 <= i < 15:
            src = "10.254.0.1"
        if 240000 <= i < 240007:
            src = "10.255.0.1"
        f.write("add %s 10.0.0.2 esp 0x%x\n\t-E aes-cbc "
                "0x00112233445566778899aabbccddeeff -A hmac-sha1 "
                "0x00112233445566778899aabbccddeeff00112233 ;\n" % (src, spi))
        line += 2
        if i == 100:
            f.write("deleteall 10.254.0.1 10.0.0.2 esp ;\n")
            line += 1
        if i == 250000:
            f.write("deleteall 10.255.0.1 10.0.0.2 esp ;\n")
            line += 1
    e.write("exit 1\n")
EOF
for how in file stdin; do
	"$SETKEY" -F > /dev/null 2>&1
	if [ "$how" = file ]; then
		"$SETKEY" -f "$TMP/spool.in" > "$TMP/spool.out" 2>&1
		echo "exit $?" >> "$TMP/spool.out"
		name=$TMP/spool.in
	else
		cat "$TMP/spool.in" | "$SETKEY" -f - > "$TMP/spool.out" 2>&1
		echo "exit $?" >> "$TMP/spool.out"
		name="(stdin)"
	fi
	sed -E 's/(File exists).*/\1/' "$TMP/spool.out" |
		awk -v n="$name:" '{ i = index($0, n)
			if (i) $0 = substr($0, 1, i - 1) "FILE:" substr($0, i + length(n)) } 1' \
		> "$TMP/spool.cut"
	check "260k adds from $how, past the spool: the 4 refused lines" \
		"$TMP/spool.exp" "$TMP/spool.cut"
	count=$("$SETKEY" -D | grep -c '^	esp ')
	want=$((260000 - 4 - 5 - 7))
	if [ "$count" = "$want" ]; then
		ok "260k adds from $how: $want SAs, both deleteall applied"
	else
		not_ok "260k adds from $how: $want SAs, both deleteall applied (got $count)"
	fi
done
"$SETKEY" -F > /dev/null 2>&1

echo "1..$n"
exit $((failed > 0))
