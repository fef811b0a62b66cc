#!/usr/bin/env bash
# pfkeymsg as a user runs it: examples decode as valid, -p hides keys,
# garbage is refused with the validator's words and exit status 1.
# Prints TAP.  Usage: test_pfkeymsg.sh PATH-TO-PFKEYMSG
set -u
pfkeymsg=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0

check() {	# check DESCRIPTION COMMAND...
	local what=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		fails=$((fails + 1))
	fi
}

for ex in add getspi spdadd register; do
	"$pfkeymsg" example "$ex" >"$tmp/$ex.bin"
	check "example $ex decodes as valid" \
		bash -c '"$1" decode "$2" >"$3" && tail -n 1 "$3" | grep -qx "  valid"' \
		_ "$pfkeymsg" "$tmp/$ex.bin" "$tmp/$ex.out"
done

# The example keys spell out "example-..." in ASCII: 6578616d706c65.
"$pfkeymsg" decode "$tmp/add.bin" >"$tmp/keys.out"
check "keys shown without -p" grep -q '6578616d' "$tmp/keys.out"
"$pfkeymsg" decode -p -H "$tmp/add.bin" >"$tmp/hidden.out"
check "no key byte with -p -H" bash -c '! grep -qi "6578 616d\|6578616d" "$1"' _ "$tmp/hidden.out"
check "keys printed as XX with -p" grep -q 'key= XXXXXXXX' "$tmp/hidden.out"

cat "$tmp/add.bin" "$tmp/spdadd.bin" >"$tmp/two.bin"
"$pfkeymsg" decode "$tmp/two.bin" >"$tmp/two.out"
check "two messages in one file" \
	bash -c '[ "$(grep -c "^  valid$" "$1")" = 2 ]' _ "$tmp/two.out"

printf 'garbage1garbage2' >"$tmp/garbage.bin"
"$pfkeymsg" decode "$tmp/garbage.bin" >"$tmp/garbage.out"
rc=$?
check "garbage exits 1" test "$rc" -eq 1
check "garbage names the field" \
	grep -q 'invalid: sadb_msg_version at offset 0: version 103, expected 2' "$tmp/garbage.out"

head -c 40 "$tmp/add.bin" >"$tmp/cut.bin"
"$pfkeymsg" decode "$tmp/cut.bin" >"$tmp/cut.out"
rc=$?
check "truncated message exits 1" test "$rc" -eq 1
check "truncated message is reported" grep -q 'end of input inside the message' "$tmp/cut.out"

"$pfkeymsg" decode "$tmp/missing.bin" >/dev/null 2>"$tmp/err"
rc=$?
check "missing file exits 2 with its name" \
	bash -c '[ "$1" -eq 2 ] && grep -q "missing.bin: No such file" "$2"' _ "$rc" "$tmp/err"
"$pfkeymsg" example nosuch >/dev/null 2>"$tmp/err"
rc=$?
check "unknown example exits 2" \
	bash -c '[ "$1" -eq 2 ] && grep -q "unknown example \"nosuch\"" "$2"' _ "$rc" "$tmp/err"
check "--help prints the usage" bash -c '"$1" --help | grep -q "^usage: pfkeymsg decode"' _ "$pfkeymsg"
"$pfkeymsg" algorithms >"$tmp/algs"
check "algorithms lists aes-cbc with its synonyms" \
	grep -Eq '^encr +12 +aes-cbc +128-256/64 +0 rijndael-cbc\(setkey\) aes\(ipseckey\)$' "$tmp/algs"

# Against a private pfkeyd that the first request starts (autostart finds
# the daemon beside the tool in the build tree).
export PFKEY_SOCKET=$tmp/run/pfkey.sock
unset PFKEY_NO_AUTOSTART
trap 'pkill -f "pfkeyd --socket $PFKEY_SOCKET"; rm -rf "$tmp"' EXIT
"$pfkeymsg" send -p add spdadd >"$tmp/send.out" 2>&1
rc=$?
check "send starts a private pfkeyd and both requests succeed" \
	bash -c '[ "$1" -eq 0 ] && [ -S "$2" ] && ! grep -q refused "$3"' \
	_ "$rc" "$PFKEY_SOCKET" "$tmp/send.out"
check "the ADD reply carries no keys" bash -c '! grep -q "type=8 }" "$1"' _ "$tmp/send.out"
"$pfkeymsg" send add >"$tmp/again.out" 2>&1
rc=$?
check "a second ADD is refused with EEXIST, exit 1" \
	bash -c '[ "$1" -eq 1 ] && grep -q "refused: File exists" "$2"' _ "$rc" "$tmp/again.out"
"$pfkeymsg" dump -p >"$tmp/dump.out" 2>&1
rc=$?
check "dump shows the SA (keys as XX) and the policy" \
	bash -c '[ "$1" -eq 0 ] && grep -q "^SADB_DUMP: record 1$" "$2" &&
		 grep -q "^SADB_X_SPDDUMP: record 1$" "$2" &&
		 grep -q "key= XXXXXXXX" "$2" && ! grep -q "6578616d" "$2"' \
	_ "$rc" "$tmp/dump.out"
PFKEY_NO_AUTOSTART=1 PFKEY_SOCKET=$tmp/none/pfkey.sock "$pfkeymsg" dump \
	>/dev/null 2>"$tmp/err"
rc=$?
check "no daemon and no autostart: exit 1 with the reason" \
	bash -c '[ "$1" -eq 1 ] && grep -q "cannot reach pfkeyd" "$2"' _ "$rc" "$tmp/err"

echo "1..$n"
[ "$fails" -eq 0 ]
