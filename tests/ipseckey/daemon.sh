# Sourced by run.sh: round trips against a private pfkeyd ($PFKEYD).
export PFKEY_SOCKET="$T/pfkey.sock"
"$PFKEYD" --foreground --socket "$PFKEY_SOCKET" 2> "$T/pfkeyd.log" &
DAEMON_PID=$!
i=0
while [ ! -S "$PFKEY_SOCKET" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "pfkeyd started" [ -S "$PFKEY_SOCKET" ]

K1=00112233445566778899aabbccddeeff
K2=0123456789abcdef0123456789abcdef01234567
cat > "$T/db.conf" <<EOC
add esp spi 0x1001 src 10.0.0.1 dst 10.0.0.2 authalg md5 authkey $K1 encralg aes encrkey $K1 hard_addtime 3600 soft_addtime 1800
add esp spi 0x1002 src 10.0.0.2 dst 10.0.0.1 authalg sha1 authkey $K2 encralg aes encrkey $K1 pair-spi 0x1001
add ah spi 0x1003 src6 fe80::1 dst6 fe80::2 authalg sha256 authkey ${K1}${K1} hard_bytes 1000000 soft_bytes 500000 hard_alloc 10 soft_alloc 5
add esp spi 0x1004 src 10.0.0.1 dst 10.0.0.3 encralg aes-gcm16 encrkey ${K1}01020304 sport 4500 dport 4500 proto 17
add esp spi 0x1005 src 10.0.0.1 dst 10.0.0.4 authalg md5 authkey $K1 encralg null replay_value 42 idle_addtime 100 idle_usetime 50 hard_addtime 400 outbound
add esp spi 0x1006 src 10.0.0.1 dst 10.0.0.5 isrc 10.1.0.0/16 idst 10.2.0.0/16 authalg md5 authkey $K1 encralg aes encrkey $K1
add esp spi 0x1007 src 10.0.0.1 dst 10.0.0.6 encap udp nat_loc 192.0.2.1 nat_lport 4500 nat_rport 4501 authalg md5 authkey $K1 encralg aes encrkey $K1
add esp spi 0x1008 src 10.0.0.1 dst 10.0.0.7 authalg md5 authkey $K1 encralg aes encrkey $K1 srcidtype fqdn a.example dstidtype user_fqdn b@example.org
EOC
chmod 600 "$T/db.conf"
"$IK" -n flush > "$T/d.out" 2>&1
check "flush" [ $? = 0 ]
"$IK" -n -f "$T/db.conf" > "$T/d.out" 2>&1
rc=$?
sed 's/^/# /' "$T/d.out"
check "-f loads a database with every kind of SA" [ $rc = 0 ]
"$IK" -n get esp spi 0x1001 dst 10.0.0.2 > "$T/d.out" 2>&1
check "get finds an SA" grep -q 'spi=0x1001' "$T/d.out"
"$IK" -n dump > "$T/dump1" 2>&1
check "dump ends with its line" grep -q '^Dump succeeded for SA type 0.$' "$T/dump1"
check "dump lists all 8 SAs" [ "$(grep -c '^SA: SADB_ASSOC' "$T/dump1")" = 8 ]
echo "add esp spi 0x1001 src 10.0.0.1 dst 10.0.0.2 authalg md5 authkey $K1 encralg aes encrkey $K1" > "$T/dup.conf"
chmod 600 "$T/dup.conf"
"$IK" -n -f "$T/dup.conf" > "$T/d.out" 2>&1
check "duplicate add: EEXIST message" grep -q \
	'^10.0.0.2 already exists.$' "$T/d.out"
check "duplicate add: counted" grep -q '^0 of 1 commands succeeded.$' "$T/d.out"
"$IK" -n get esp spi 0x9999 dst 10.0.0.2 > "$T/d.out" 2>&1
rc=$?
check "get of a missing SA: ESRCH message, exit 1" sh -c \
	"[ $rc = 1 ] && grep -q 'with spi 0x9999 and addr' '$T/d.out' && grep -q '^10.0.0.2 does not exist.$' '$T/d.out'"

# save round trip: save, flush, load, save again: same text.
"$IK" -n -s "$T/save1" > "$T/d.out" 2>&1
check "-s writes a file" [ -s "$T/save1" ]
check "save file is 0400" [ "$(stat -c %a "$T/save1")" = 400 ]
"$IK" -n flush > /dev/null 2>&1
"$IK" -n -f "$T/save1" > "$T/d.out" 2>&1
rc=$?
sed 's/^/# /' "$T/d.out"
check "save output loads back" [ $rc = 0 ]
"$IK" -n save all - > "$T/save2" 2>&1
if diff -u "$T/save1" "$T/save2" > "$T/diff"; then ok "save round trip reproduces the database"
else sed 's/^/# /' "$T/diff"; not_ok "save round trip reproduces the database"; fi
chmod 644 "$T/save2"
"$IK" -n -s "$T/save2" > "$T/d.out" 2>&1
check "existing readable save file: warning" grep -q 'can be read by other' "$T/d.out"

# pairs
"$IK" -n delete esp spi 0x1001 dst 10.0.0.2 > "$T/d.out" 2>&1
check "delete of a paired SA" [ $? = 0 ]
"$IK" -n get esp spi 0x1002 dst 10.0.0.1 > "$T/d.out" 2>&1
check "partner survives, unpaired" sh -c "! grep -q X_PAIRED '$T/d.out' && grep -q spi=0x1002 '$T/d.out'"
echo "add esp spi 0x1001 src 10.0.0.1 dst 10.0.0.2 authalg md5 authkey $K1 encralg aes encrkey $K1 pair-spi 0x1002" > "$T/p.conf"
echo "add esp spi 0x2001 src 10.0.0.1 dst 10.0.0.2 authalg md5 authkey $K1 encralg aes encrkey $K1 pair-spi 0x7777" >> "$T/p.conf"
echo "update-pair esp spi 0x1001 dst 10.0.0.2 hard_bytes 5000" >> "$T/p.conf"
chmod 600 "$T/p.conf"
"$IK" -n -f "$T/p.conf" > "$T/d.out" 2>&1
sed 's/^/# /' "$T/d.out"
check "pairing with a missing SA fails" grep -q "p.conf:2:1: PF_KEY Diagnostic code 76: Command failed, pair security association not found." "$T/d.out"
check "only that command failed" grep -q '^2 of 3 commands succeeded.$' "$T/d.out"
"$IK" -n get esp spi 0x2001 dst 10.0.0.2 > "$T/d.out" 2>&1
check "failed pairing removed the new SA" grep -q 'does not exist' "$T/d.out"
"$IK" -n delete-pair esp spi 0x1001 dst 10.0.0.2 > "$T/d.out" 2>&1
check "delete-pair" [ $? = 0 ]
"$IK" -n get esp spi 0x1002 dst 10.0.0.1 > "$T/d.out" 2>&1
check "delete-pair removed the partner" grep -q 'does not exist' "$T/d.out"

# monitor sees another process's add
"$IK" -n monitor > "$T/mon" 2>&1 &
MON=$!
sleep 0.5
echo "add ah spi 0x3001 src 10.0.0.1 dst 10.0.0.9 authalg md5 authkey $K1" > "$T/m.conf"
chmod 600 "$T/m.conf"
"$IK" -n -f "$T/m.conf" > /dev/null 2>&1
sleep 0.5
kill $MON 2>/dev/null
wait $MON 2>/dev/null
check "monitor: banner" grep -q '^Actively monitoring the PF_KEY socket.$' "$T/mon"
check "monitor: sees the add" sh -c "grep -q '^Read [0-9]* bytes.$' '$T/mon' && grep -q 'type ADD' '$T/mon' && grep -q 'spi=0x3001' '$T/mon'"
"$IK" -n pmonitor > "$T/pmon" 2>&1 &
MON=$!
sleep 0.3
kill $MON 2>/dev/null
wait $MON 2>/dev/null
check "pmonitor: banner" grep -q '^Passively monitoring the PF_KEY socket.$' "$T/pmon"

# boot-time load of a good file (as root, or root of a user namespace,
# where our db.conf is root's)
if [ $HAVE_ROOT = 1 ]; then
	rootsh '"$1" --boot -f "$2"' sh "$IK" "$T/db.conf" > "$T/d.out" 2>&1
	rc=$?
	sed 's/^/# /' "$T/d.out"
	check "boot-time load: exit 0" [ $rc = 0 ]
	check "boot-time load: flushes first" grep -q "^Flushing existing SA's before adding new SA's$" "$T/d.out"
	check "boot-time load: counts" grep -q '^8 actions successfully processed.$' "$T/d.out"
	"$IK" -n dump > "$T/dump2" 2>&1
	check "boot-time load: only the file's SAs" [ "$(grep -c '^SA: SADB_ASSOC' "$T/dump2")" = 8 ]
	# a bad file at boot: the good commands run, the count, no key text
	private_copy "$CASES/boot_bad.conf" "$T/bb.conf"
	rootsh '"$1" --boot -f "$2"' sh "$IK" "$T/bb.conf" > "$T/d.out" 2>&1
	rc=$?
	sed 's/^/# /' "$T/d.out"
	check "boot-time load of a bad file: exit 1, counted, no key text" sh -c \
		"[ $rc = 1 ] && grep -q '^The configuration file contained 2 errors.$' '$T/d.out' && grep -q '^1 of 3 commands succeeded.$' '$T/d.out' && ! grep -q ccddee '$T/d.out'"
	"$IK" -n dump > "$T/dump2" 2>&1
	check "boot-time load of a bad file: flushed, the good one loaded" \
		[ "$(grep -c '^SA: SADB_ASSOC' "$T/dump2")" = 1 ]
else
	for x in "load: exit 0" "load: flushes first" "load: counts" \
		 "load: only the file's SAs" "bad file: exit 1, counted" \
		 "bad file: flushed, the good one loaded"; do
		skip "boot-time $x" "needs root or a user namespace"
	done
fi
if [ $HAVE_NS = 1 ]; then
	"$IK" -n flush > /dev/null 2>&1
	echo "add esp spi 0x4001 src me dst multi authalg md5 authkey $K1" > "$T/mn.conf"
	chmod 600 "$T/mn.conf"
	$PRIVNS sh -c 'mount --bind "$1" /etc/hosts && exec "$2" -f "$3"' \
		sh "$T/hosts" "$IK" "$T/mn.conf" > "$T/d.out" 2>&1
	"$IK" -n dump > "$T/dump3" 2>&1
	check "a name with 3 addresses makes 3 SAs" [ "$(grep -c 'spi=0x4001' "$T/dump3")" = 3 ]
else
	skip "a name with 3 addresses makes 3 SAs" "no private mount namespace"
fi

. "$HERE/live.sh"

kill "$DAEMON_PID" 2>/dev/null
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
