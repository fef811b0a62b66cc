#!/bin/sh
# ipseckey as users run it, printing TAP.
#
#   run.sh IPSECKEY [PFKEYD]
#
# Golden transcripts: cases/NAME.conf is checked with "ipseckey -n -c" and
# the output (stderr and stdout, then "exit N") compared with cases/NAME.out;
# cases/argv.txt runs one shell invocation per line against argv.out;
# cases/interactive.in is fed to the interactive mode (plain reading and a
# pseudo-terminal through script(1)).  Name resolution uses a private
# /etc/hosts in a private mount namespace and runs only as root; the
# boot-time cases that need a root-owned file too.  With PFKEYD, a private
# pfkeyd is started for the round trips.  IK_UPDATE=1 rewrites the .out
# files from the current output instead of comparing.
set -u
IK=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
PFKEYD=${2:-}
[ -n "$PFKEYD" ] && PFKEYD=$(cd "$(dirname "$PFKEYD")" && pwd)/$(basename "$PFKEYD")
HERE=$(cd "$(dirname "$0")" && pwd)
CASES=$HERE/cases
T=$(mktemp -d)
DAEMON_PID=
n=0
failed=0

cleanup() {
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

export PFKEY_NO_AUTOSTART=1
export PFKEY_SOCKET="$T/none.sock"
export LC_ALL=C
export TZ=UTC

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
is_root() { [ "$(id -u)" = 0 ]; }

# compare NAME EXPECTED ACTUAL
compare() {
	if [ "${IK_UPDATE:-0}" = 1 ]; then
		cp "$3" "$2"
		ok "$1 (updated)"
	elif diff -u "$2" "$3" > "$T/diff" 2>&1; then
		ok "$1"
	else
		sed 's/^/# /' "$T/diff"
		not_ok "$1"
	fi
}

# check NAME CONDITION-COMMAND...
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# A file as ipseckey wants a config file: ours alone (as root: root's).
private_copy() {
	cp "$1" "$2"
	chmod 600 "$2"
}

# Without root the file cannot be root's: drop that one warning line.
filter_owner() {
	if is_root; then cat; else grep -v 'has insecure permissions'; fi
}

# ------------------------------------------------------ golden -c files
for conf in "$CASES"/*.conf; do
	name=$(basename "$conf" .conf)
	case $name in names|boot_*) continue ;; esac
	private_copy "$conf" "$T/$name.conf"
	(cd "$T" && "$IK" -n -c "$name.conf" > "$T/out" 2>&1
	 echo "exit $?" >> "$T/out")
	filter_owner < "$T/out" > "$T/$name.got"
	compare "check $name.conf" "$CASES/$name.out" "$T/$name.got"
done

# ------------------------------------------------------ shell arguments
: > "$T/argv.got"
grep -v '^#' "$CASES/argv.txt" | while IFS= read -r line; do
	echo "\$ ipseckey $line" >> "$T/argv.got"
	# shellcheck disable=SC2086
	(cd "$T" && "$IK" -n $line >> "$T/argv.got" 2>&1
	 echo "exit $?" >> "$T/argv.got")
done
compare "shell invocations" "$CASES/argv.out" "$T/argv.got"

# ---------------------------------------------------------- interactive
("$IK" -n < "$CASES/interactive.in" > "$T/inter.got" 2>&1
 echo "exit $?" >> "$T/inter.got")
compare "interactive, plain reading" "$CASES/interactive.out" "$T/inter.got"

if command -v script > /dev/null 2>&1; then
	script -qec "$IK -n" /dev/null < "$CASES/interactive.in" \
		> "$T/pty.got" 2>&1
	rc=$?
	tr -d '\r' < "$T/pty.got" > "$T/pty.txt"
	check "pty: exit 0 after quit" [ "$rc" = 0 ]
	check "pty: prompt" grep -q '^ipseckey> ' "$T/pty.txt"
	check "pty: line editing echo and error" \
		grep -q 'Unknown command (frobnicate)' "$T/pty.txt"
	check "pty: continued command joined" \
		grep -q '(stdin):6:7: Invalid SPI value "0" .' "$T/pty.txt"
fi

# ------------------------------------------------------------ boot mode
private_copy "$CASES/boot_bad.conf" "$T/boot_bad.conf"
if is_root; then
	(cd "$T" && "$IK" --boot -c boot_bad.conf > "$T/boot.got" 2>&1
	 echo "exit $?" >> "$T/boot.got")
	compare "boot-time check of a bad file" "$CASES/boot_bad.out" \
		"$T/boot.got"
	check "boot-time: no key text" \
		sh -c "! grep -q ccddee '$T/boot.got'"
	chmod 644 "$T/boot_bad.conf"
	(cd "$T" && "$IK" --boot -c boot_bad.conf > "$T/boot2.got" 2>&1
	 echo "exit $?" >> "$T/boot2.got")
	compare "boot-time refuses a file others read" \
		"$CASES/boot_perm.out" "$T/boot2.got"
else
	(cd "$T" && "$IK" --boot -c boot_bad.conf > "$T/boot.got" 2>&1)
	check "boot-time refuses a file root does not own" \
		grep -q 'has insecure permissions' "$T/boot.got"
fi

# ----------------------------------------------------- name resolution
if is_root && command -v unshare > /dev/null 2>&1 &&
   unshare -m true 2> /dev/null; then
	cp "$CASES/names.hosts" "$T/hosts"
	private_copy "$CASES/names.conf" "$T/names.conf"
	(cd "$T" && unshare -m sh -c 'mount --bind "$1" /etc/hosts &&
		exec "$2" -c names.conf' sh "$T/hosts" "$IK" \
		> "$T/names.got" 2>&1
	 echo "exit $?" >> "$T/names.got")
	compare "names from a private hosts file" "$CASES/names.out" \
		"$T/names.got"
	(cd "$T" && "$IK" -n -c names.conf > "$T/names-n.got" 2>&1)
	check "-n refuses names" grep -q \
		'Unknown dst address "multi" (-n: names are not looked up).' \
		"$T/names-n.got"
fi

# --------------------------------------------------- against pfkeyd
if [ -n "$PFKEYD" ] && [ -x "$PFKEYD" ]; then
	. "$HERE/daemon.sh"
fi

echo "1..$n"
exit $failed
