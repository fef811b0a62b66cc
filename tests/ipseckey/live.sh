# Sourced by daemon.sh: golden transcripts of what users see from a live
# pfkeyd (listings with -n, -p, -v and names, monitor and pmonitor with
# an expire, every man page example), and a save round trip of a large
# database.  Times, pids and the temporary directory vary from run to
# run: mask() replaces them; everything else is compared exactly.

mask() {
	sed -E -e 's/pid=[0-9]+/pid=PID/' \
	    -e 's/(SA added at time:|SA first used at time:|Time now is|Timestamp:) .*/\1 TIME/' \
	    -e 's/\(raw time value [0-9]+\)/(raw time value T)/' \
	    -e "s|$T|T|g"
}

# live NAME DESCRIPTION: the transcript on stdin against cases/live_NAME.out
live() {
	mask > "$T/live_$1.got"
	compare "$2" "$CASES/live_$1.out" "$T/live_$1.got"
}

# tr ARGS...: one shell invocation in a transcript
tr_run() {
	echo "\$ ipseckey $*"
	"$IK" "$@" 2>&1
	echo "exit $?"
}

# ------------------------------------------- monitor, pmonitor, expire
"$IK" -n flush > /dev/null 2>&1
# pmonitor first, so that it always sees monitor's X_PROMISC (sent to
# every socket)
"$IK" -n pmonitor > "$T/pmon" 2>&1 &
PMON=$!
i=0
while [ $i -lt 50 ] && ! grep -q 'Passively' "$T/pmon"; do
	sleep 0.1; i=$((i + 1))
done
"$IK" -n monitor > "$T/mon" 2>&1 &
MON=$!
i=0
while [ $i -lt 50 ] && ! { grep -q 'type X_PROMISC' "$T/mon" &&
			    grep -q 'Passively' "$T/pmon"; }; do
	sleep 0.1; i=$((i + 1))
done
echo "add ah spi 0x3001 src 10.0.0.1 dst 10.0.0.9 authalg md5 authkey $K1 soft_addtime 1 hard_addtime 2" > "$T/m.conf"
chmod 600 "$T/m.conf"
"$IK" -n -f "$T/m.conf" > /dev/null 2>&1
# both SADB_EXPIREs, in real time: soft after 1 s, hard after 2 s
i=0
while [ $i -lt 100 ] && ! grep -q 'state=DEAD' "$T/mon"; do
	sleep 0.1; i=$((i + 1))
done
sleep 0.3
kill $MON $PMON 2>/dev/null
wait $MON 2>/dev/null
wait $PMON 2>/dev/null
live monitor "monitor: another process's add, soft and hard expire" < "$T/mon"
# whether pmonitor was known to pfkeyd when monitor's X_PROMISC went out
# is a race: leave that message out
{ head -n 1 "$T/pmon"; tail -n +2 "$T/pmon" |
	awk 'BEGIN { RS = ""; ORS = "\n\n" } !/type X_PROMISC/'; } > "$T/pmon2"
live pmonitor "pmonitor: another process's add (expires go to registered sockets only)" < "$T/pmon2"
"$IK" -n get ah spi 0x3001 dst 10.0.0.9 > "$T/d.out" 2>&1
check "the hard expire removed the SA" grep -q 'does not exist' "$T/d.out"

# ------------------------------------------------ listings of every kind
"$IK" -n flush > /dev/null 2>&1
"$IK" -n -f "$T/db.conf" > /dev/null 2>&1
"$IK" -n dump > "$T/dump_n.txt" 2>&1
live dump_n "dump -n of every kind of SA" < "$T/dump_n.txt"
{
	tr_run -n get esp spi 0x1001 dst 10.0.0.2
	tr_run -n get esp spi 0x1002 dst 10.0.0.1
	tr_run -n get ah spi 0x1003 dst6 fe80::2
	tr_run -n get esp spi 4100 dst 10.0.0.3
	tr_run -n get esp spi 010010 dst 10.0.0.7
	tr_run -n get esp spi 0x1006 dst 10.0.0.9
	tr_run -n dump ah
} > "$T/get_n.txt"
live get_n "get -n (hex, decimal and octal SPIs), dump ah" < "$T/get_n.txt"
{
	tr_run -p dump
	tr_run -p save all -
	tr_run -p get esp spi 0x1004 dst 10.0.0.3
} > "$T/p.txt"
live p "-p: every key digit printed as X" < "$T/p.txt"
check "-p: no key digit anywhere" sh -c "! grep -q -i -e '$K1' -e '$K2' -e '01020304' '$T/p.txt' && ! grep -E '^(AKY|EKY): ' '$T/p.txt' | grep -v -q -E '^(AKY|EKY): (Authentication|Encryption) key\\.$|^(AKY|EKY): X+(\\[X+\\])?/[0-9]+(\\+[0-9]+)?$' && ! grep -E '^	(authkey|encrkey) ' '$T/p.txt' | grep -q -v -E '^	(authkey|encrkey) X+/[0-9]+ \\\\$'"
{
	tr_run -n -v get esp spi 0x1001 dst 10.0.0.2
	tr_run -n -v delete esp spi 0x9999 dst 10.0.0.2
} > "$T/v.txt"
live v "-v: the messages sent, raw time values" < "$T/v.txt"
# every raw value is the time printed on the line before it
awk '/\(raw time value [0-9]+\)/ {
	v = $0; sub(/.*raw time value /, "", v); sub(/\).*/, "", v)
	t = prev; sub(/^[A-Z]+: (SA added at time|Time now is|SA first used at time):? /, "", t)
	print v "|" t
} { prev = $0 }' "$T/v.txt" > "$T/raw"
ok_raw=1
[ -s "$T/raw" ] || ok_raw=0
while IFS='|' read -r v t; do
	[ "$(date -u -d "@$v" '+%a %b %e %H:%M:%S %Y')" = "$t" ] || ok_raw=0
done < "$T/raw"
check "-v: each raw time value is the time printed" [ $ok_raw = 1 ]

# names: the listing without -n, in a private hosts file
if [ $HAVE_NS = 1 ]; then
	echo "add esp spi 0x5001 src localhost dst peer4 authalg md5 authkey $K1 encralg null sport 53 dport 53 proto 17" > "$T/nm.conf"
	echo "add esp spi 0x5002 src6 me dst6 multi authalg md5 authkey $K1 encralg null proto 6" >> "$T/nm.conf"
	chmod 600 "$T/nm.conf"
	(cd "$T" && $PRIVNS sh -c 'mount --bind "$1" /etc/hosts && shift &&
		for c in "-f nm.conf" "get esp spi 0x5001 dst peer4" \
			 "get esp spi 0x5002 dst6 multi" "-n get esp spi 0x5001 dst 10.9.0.4" \
			 "save esp"; do
			echo "\$ ipseckey $c"
			# shellcheck disable=SC2086
			"$1" $c 2>&1
			echo "exit $?"
		done' sh "$T/hosts" "$IK" > "$T/names.txt" 2>&1)
	live names "listing with names (private hosts file)" < "$T/names.txt"
else
	skip "listing with names (private hosts file)" "no private mount namespace"
fi

# ------------------------------------------------ man page examples, live
"$IK" -n flush > /dev/null 2>&1
mkdir "$T/man"
# (as root or root of a user namespace: the -f files are then root's)
rootsh 'exec sh "$@"' sh "$HERE/man_live.sh" "$IK" "$T/man" -n \
	192.168.1.1 192.168.1.2 192.168.1.3 224.0.0.1 fec0:bbbb::4483 \
	fec0:bbbb::7843 2>&1 | filter_owner > "$T/man_numeric.txt"
live man_numeric "man page examples, numeric addresses, live" \
	< "$T/man_numeric.txt"
if [ $HAVE_NS = 1 ]; then
	"$IK" -n flush > /dev/null 2>&1
	rm -rf "$T/man"
	mkdir "$T/man"
	$PRIVNS sh -c 'mount --bind "$1" /etc/hosts && shift && exec sh "$@"' \
		sh "$T/hosts" "$HERE/man_live.sh" "$IK" "$T/man" "" \
		me.domain.com you.domain.com mypeer 224.0.0.1 me6.domain.com \
		you6.domain.com > "$T/man_names.txt" 2>&1
	live man_names "man page examples, names from a hosts file, live" \
		< "$T/man_names.txt"
else
	skip "man page examples, names from a hosts file, live" \
		"no private mount namespace"
fi

# ------------------------------------- save round trip, 10000 SAs, pairs
# 4000 pairs, 2000 single SAs of every kind cycled; saved, flushed,
# loaded and saved again: the same text, the same SAs.
"$IK" -n flush > /dev/null 2>&1
awk -v k1="$K1" -v k2="$K2" 'BEGIN {
	for (i = 0; i < 4000; i++) {
		a = sprintf("10.%d.%d.1", int(i / 250), i % 250)
		b = sprintf("10.%d.%d.2", int(i / 250), i % 250)
		printf "add esp spi %d src %s dst %s authalg sha1 authkey %s encralg aes encrkey %s\n", 65536 + i, a, b, k2, k1
		printf "add esp spi %d src %s dst %s authalg sha1 authkey %s encralg aes encrkey %s pair-spi %d hard_addtime 3600 soft_addtime 1800\n", 131072 + i, b, a, k2, k1, 65536 + i
	}
	for (i = 0; i < 2000; i++) {
		d = sprintf("172.16.%d.%d", int(i / 200), i % 200 + 1)
		m = i % 5
		if (m == 0) printf "add ah spi %d src 172.31.0.1 dst %s authalg md5 authkey %s hard_bytes %d soft_bytes 10\n", 196608 + i, d, k1, 1000 + i
		if (m == 1) printf "add esp spi %d src6 fd00::1 dst6 fd00::%x:1 authalg sha256 authkey %s%s encralg aes-gcm16 encrkey %s01020304 idle_addtime 100 hard_addtime 400\n", 196608 + i, i, k1, k1, k1
		if (m == 2) printf "add esp spi %d src 172.31.0.1 dst %s isrc 10.200.0.0/16 idst 10.201.0.0/16 authalg md5 authkey %s encralg aes encrkey %s hard_alloc 100 soft_alloc 50\n", 196608 + i, d, k1, k1
		if (m == 3) printf "add esp spi %d src 172.31.0.1 dst %s encap udp nat_loc 192.0.2.1 nat_lport 4500 nat_rport 4501 authalg md5 authkey %s encralg aes encrkey %s replay_value 9 outbound\n", 196608 + i, d, k1, k1
		if (m == 4) printf "add esp spi %d src 172.31.0.1 dst %s sport 500 dport 4500 proto 17 authalg md5 authkey %s encralg null srcidtype fqdn a.example hard_usetime 60 soft_usetime 30\n", 196608 + i, d, k1
	}
}' > "$T/big.conf"
chmod 600 "$T/big.conf"
"$IK" -n -f "$T/big.conf" > "$T/d.out" 2>&1
rc=$?
head -12 "$T/d.out" | sed "s/^/# /"
check "10000 SAs load" [ $rc = 0 ]
"$IK" -n dump > "$T/bigdump1" 2>&1
check "10000 SAs, 8000 of them paired" sh -c \
	"[ \$(grep -c '^SA: SADB_ASSOC' '$T/bigdump1') = 10000 ] && [ \$(grep -c '^OTH: Paired with' '$T/bigdump1') = 8000 ]"
"$IK" -n -s "$T/big1" > "$T/d.out" 2>&1
check "save of 10000 SAs" [ $? = 0 ]
check "save names each pair once" [ "$(grep -c 'pair-spi' "$T/big1")" = 4000 ]
"$IK" -n flush > /dev/null 2>&1
"$IK" -n -f "$T/big1" > "$T/d.out" 2>&1
check "the save of 10000 SAs loads back" [ $? = 0 ]
"$IK" -n -s "$T/big2" > "$T/d.out" 2>&1
if cmp -s "$T/big1" "$T/big2"; then ok "save round trip of 10000 SAs: same save"
else diff -u "$T/big1" "$T/big2" | head -40 | sed 's/^/# /'; not_ok "save round trip of 10000 SAs: same save"; fi
"$IK" -n dump > "$T/bigdump2" 2>&1
mask < "$T/bigdump1" > "$T/bd1"
mask < "$T/bigdump2" > "$T/bd2"
if cmp -s "$T/bd1" "$T/bd2"; then ok "save round trip of 10000 SAs: same database"
else diff -u "$T/bd1" "$T/bd2" | head -40 | sed 's/^/# /'; not_ok "save round trip of 10000 SAs: same database"; fi
"$IK" -n flush > /dev/null 2>&1
