#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds with warnings as
# errors, runs every test in a normal build and in an ASan+UBSan build,
# checks that an optimized build is free of warnings too, runs each
# libFuzzer harness briefly, and ends with "N passed, N failed".
#
#   scripts/test.sh            (FUZZ_SECONDS=N changes the fuzz time, 0 skips)
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
skipped=0
fuzz_seconds=${FUZZ_SECONDS:-10}

# Counts the TAP results of one meson test run from its JSON log.
tally() {
	python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, re, sys
ok = bad = skip = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout", "")
    skips = len(re.findall(r"^ok \d+.*# *skip", out, re.M | re.I))
    oks = len(re.findall(r"^ok \d+", out, re.M)) - skips
    nots = len(re.findall(r"^not ok \d+", out, re.M))
    if t["result"] not in ("OK", "EXPECTEDFAIL") and nots == 0:
        nots = 1        # crashed, timed out, skipped whole or printed no plan
    ok += oks
    bad += nots
    skip += skips
    if t["result"] not in ("OK", "EXPECTEDFAIL"):
        print("FAILED: %s (%s)" % (t["name"], t["result"]), file=sys.stderr)
print(ok, bad, skip)
PY
}

run_suite() {	# run_suite NAME BUILDDIR MESON-OPTIONS...
	local name=$1 dir=$2
	shift 2
	echo "== $name build"
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" -Dwerror=true "$@" >/dev/null
	else
		meson setup "$dir" -Dwerror=true "$@" >/dev/null
	fi || { echo "meson setup $dir failed"; failed=$((failed + 1)); return; }
	if ! ninja -C "$dir" >"$dir/pfkey-ninja.log" 2>&1; then
		cat "$dir/pfkey-ninja.log"
		failed=$((failed + 1))
		return
	fi
	meson test -C "$dir" --print-errorlogs --num-processes 2 |
		grep -E '^ *[0-9]+/[0-9]+ |^(Ok|Fail|Timeout):'
	read -r ok bad skip < <(tally "$dir")
	echo "$name: $ok passed, $bad failed, $skip skipped"
	passed=$((passed + ok))
	failed=$((failed + bad))
	skipped=$((skipped + skip))
}

run_suite "gcc -Werror" build
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	run_suite "ASan+UBSan" build-asan -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=all

# An optimized build: some warnings (maybe-uninitialized, format-truncation)
# only show with the optimizer's inlining.  Built, not run again.
echo "== release -Werror build"
if { [ -f build-release/build.ninja ] ||
     meson setup build-release --buildtype=release -Dwerror=true >/dev/null; } &&
	ninja -C build-release >build-release/pfkey-ninja.log 2>&1; then
	echo "release build: 1 passed, 0 failed"
	passed=$((passed + 1))
else
	cat build-release/pfkey-ninja.log 2>/dev/null | grep -E 'error|warning' -A4 | head -40
	echo "release build: 0 passed, 1 failed"
	failed=$((failed + 1))
fi

# The README's first command, as a user runs it.
echo "== scripts/demo.sh"
if demo=$(scripts/demo.sh 2>&1) &&
	grep -q '^Dump succeeded for SA type 0\.$' <<<"$demo" &&
	[ "$(grep -c '^	esp mode=' <<<"$demo")" -eq 4 ] &&
	[ "$(grep -c '^	spid=' <<<"$demo")" -eq 3 ] &&
	! grep -q 'AKY: [0-9a-f]' <<<"$demo"; then
	echo "demo: 1 passed, 0 failed"
	passed=$((passed + 1))
else
	printf '%s\n' "$demo" | tail -n 30
	echo "demo: 0 passed, 1 failed"
	failed=$((failed + 1))
fi

if [ "$fuzz_seconds" -gt 0 ]; then
	echo "== libFuzzer, $fuzz_seconds s per harness"
	while read -r line; do
		echo "$line"
		case "$line" in
		*" 0 crashes") passed=$((passed + 1)) ;;
		*" crashes"*) failed=$((failed + 1)) ;;
		esac
	done < <(scripts/fuzz.sh "$fuzz_seconds" 2>&1 | grep -E 'execs in|error|FAILED')
fi

if [ "$skipped" -eq 0 ]; then
	echo "$passed passed, $failed failed"
else
	echo "$passed passed, $failed failed, $skipped skipped"
fi
[ "$failed" -eq 0 ]
