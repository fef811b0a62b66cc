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
# /etc/hosts in a private mount namespace (unshare -m as root; as another
# user, unshare -r -m: a user namespace where the caller is root, which
# also makes the caller's files root's, as config files must be).  Where
# no such namespace can be made, the cases that need one are reported as
# skipped ("ok N - ... # SKIP"), never as passed.  With PFKEYD, a private
# pfkeyd is started for the round trips and the live transcripts.
# IK_UPDATE=1 rewrites the .out files from the current output instead of
# comparing.
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
skipped=0

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
skip() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n - $1 # SKIP $2"; }
is_root() { [ "$(id -u)" = 0 ]; }

# AS_ROOT CMD...: runs CMD as root or as root of a user namespace (where
# the caller's files are root's); PRIVNS CMD...: the same in a private
# mount namespace too.  HAVE_ROOT / HAVE_NS say whether they work.
if is_root; then
	AS_ROOT=
	PRIVNS="unshare -m"
	HAVE_ROOT=1
else
	AS_ROOT="unshare -r"
	PRIVNS="unshare -r -m"
	HAVE_ROOT=0
	command -v unshare > /dev/null 2>&1 && unshare -r true 2> /dev/null &&
		HAVE_ROOT=1
fi
HAVE_NS=0
command -v unshare > /dev/null 2>&1 && $PRIVNS true 2> /dev/null && HAVE_NS=1
# ROOTSH SCRIPT ARGS...: sh -c SCRIPT as (namespace) root, else as we are.
rootsh() {
	if [ $HAVE_ROOT = 1 ]; then $AS_ROOT sh -c "$@"; else sh -c "$@"; fi
}

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

# Without any kind of root the file cannot be root's: drop that one
# warning line (a test of the warning itself is below).
filter_owner() {
	if [ $HAVE_ROOT = 1 ]; then cat; else grep -v 'has insecure permissions'; fi
}

# ------------------------------------------------------ golden -c files
for conf in "$CASES"/*.conf; do
	name=$(basename "$conf" .conf)
	case $name in names|boot_*) continue ;; esac
	private_copy "$conf" "$T/$name.conf"
	(cd "$T" && rootsh '"$1" -n -c "$2"' sh "$IK" "$name.conf" \
		> "$T/out" 2>&1
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
if [ $HAVE_ROOT = 1 ]; then
	(cd "$T" && rootsh '"$1" --boot -c boot_bad.conf' sh "$IK" \
		> "$T/boot.got" 2>&1
	 echo "exit $?" >> "$T/boot.got")
	compare "boot-time check of a bad file" "$CASES/boot_bad.out" \
		"$T/boot.got"
	check "boot-time: no key text" \
		sh -c "! grep -q ccddee '$T/boot.got'"
	chmod 644 "$T/boot_bad.conf"
	(cd "$T" && rootsh '"$1" --boot -c boot_bad.conf' sh "$IK" \
		> "$T/boot2.got" 2>&1
	 echo "exit $?" >> "$T/boot2.got")
	compare "boot-time refuses a file others read" \
		"$CASES/boot_perm.out" "$T/boot2.got"
	chmod 600 "$T/boot_bad.conf"
else
	skip "boot-time check of a bad file" "needs root or a user namespace"
	skip "boot-time: no key text" "needs root or a user namespace"
	skip "boot-time refuses a file others read" \
		"needs root or a user namespace"
fi
if ! is_root; then
	# Outside any namespace our file is not root's: refused at boot.
	(cd "$T" && "$IK" --boot -c boot_bad.conf > "$T/boot3.got" 2>&1
	 echo "exit $?" >> "$T/boot3.got")
	check "boot-time refuses a file root does not own" sh -c \
		"grep -q '^Config file boot_bad.conf has insecure permissions' '$T/boot3.got' && grep -q '^exit 1$' '$T/boot3.got'"
	(cd "$T" && "$IK" -n -c boot_bad.conf > "$T/boot4.got" 2>&1)
	check "-c outside boot mode only warns about the owner" sh -c \
		"grep -q 'has insecure permissions' '$T/boot4.got' && grep -q '^1 of 3 commands are valid.$' '$T/boot4.got'"
fi

# ----------------------------------------------------- name resolution
cp "$CASES/names.hosts" "$T/hosts"
if [ $HAVE_NS = 1 ]; then
	private_copy "$CASES/names.conf" "$T/names.conf"
	(cd "$T" && $PRIVNS sh -c 'mount --bind "$1" /etc/hosts &&
		exec "$2" -c names.conf' sh "$T/hosts" "$IK" \
		> "$T/names.got" 2>&1
	 echo "exit $?" >> "$T/names.got")
	compare "names from a private hosts file" "$CASES/names.out" \
		"$T/names.got"
	private_copy "$CASES/man_examples.names" "$T/man_names.conf"
	(cd "$T" && $PRIVNS sh -c 'mount --bind "$1" /etc/hosts &&
		exec "$2" -c man_names.conf' sh "$T/hosts" "$IK" \
		> "$T/man_names.got" 2>&1
	 echo "exit $?" >> "$T/man_names.got")
	compare "man page examples with names (check)" \
		"$CASES/man_examples_names.out" "$T/man_names.got"
else
	skip "names from a private hosts file" "no private mount namespace"
	skip "man page examples with names (check)" \
		"no private mount namespace"
fi
private_copy "$CASES/names.conf" "$T/names.conf"
(cd "$T" && "$IK" -n -c names.conf > "$T/names-n.got" 2>&1)
check "-n refuses names" grep -q \
	'Unknown dst address "multi" (-n: names are not looked up).' \
	"$T/names-n.got"

# --------------------------------------------------- against pfkeyd
if [ -n "$PFKEYD" ] && [ -x "$PFKEYD" ]; then
	. "$HERE/daemon.sh"
else
	skip "round trips against pfkeyd" "no pfkeyd given"
fi

[ $skipped -gt 0 ] && echo "# $skipped case(s) skipped: they could not run here"
echo "1..$n"
exit $failed
