#!/usr/bin/env bash
# Runs every libFuzzer harness for a while over the fixture seed corpus.
#
#   scripts/fuzz.sh [SECONDS]       (default 30 per harness)
#
# Configures (or reuses) build-fuzz with clang and -Dfuzz=true, builds it,
# writes the seeds with mkcorpus into build-fuzz/corpus, then runs each
# harness with -max_total_time.  New inputs a harness finds are kept in
# build-fuzz/corpus-<harness>, crash inputs in build-fuzz/artifacts.  Ends
# with one line per harness:
#
#   fuzz_parse: 123456 execs in 30 s, 0 crashes
#
# and exits non-zero if any harness crashed (or could not run).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
	echo "usage: scripts/fuzz.sh [SECONDS]" >&2
	exit 2
fi

dir=build-fuzz
# name:executable:seed files (a directory, or a glob of files)
harnesses=(
	"fuzz_parse:fuzz/fuzz_parse:CORPUS"
	"fuzz_print:fuzz/fuzz_print:CORPUS"
	"fuzz_setkey:tools/setkey/fuzz_setkey:tests/setkey/*.in"
	"fuzz_ipseckey:tools/ipseckey/fuzz_ipseckey_parse:tests/ipseckey/cases/*.conf"
)
log=$dir/fuzz-build.log

mkdir -p "$dir"
if [ ! -f "$dir/build.ninja" ]; then
	if ! CC=clang meson setup "$dir" -Dfuzz=true >"$log" 2>&1; then
		cat "$log" >&2
		echo "fuzz: meson setup $dir FAILED" >&2
		exit 1
	fi
elif ! meson configure "$dir" -Dfuzz=true >"$log" 2>&1; then
	cat "$log" >&2
	echo "fuzz: meson configure $dir FAILED" >&2
	exit 1
fi
if ! ninja -C "$dir" >>"$log" 2>&1; then
	cat "$log" >&2
	echo "fuzz: build FAILED (see $log)" >&2
	exit 1
fi

corpus=$dir/corpus
rm -rf "$corpus"
"$dir/fuzz/mkcorpus" "$corpus" >/dev/null
mkdir -p "$dir/artifacts"

status=0
summary=()
for spec in "${harnesses[@]}"; do
	IFS=: read -r h path seeds <<<"$spec"
	exe=$dir/$path
	if [ ! -x "$exe" ]; then
		echo "$h: $exe was not built" >&2
		status=1
		summary+=("$h: not built: 0 execs in 0 s, 1 crashes")
		continue
	fi
	work=$dir/corpus-$h
	seeddir=$corpus
	if [ "$seeds" != CORPUS ]; then
		seeddir=$dir/seeds-$h
		rm -rf "$seeddir"
		mkdir -p "$seeddir"
		# shellcheck disable=SC2086  # the glob is meant to expand
		cp $seeds "$seeddir"/ 2>/dev/null || true
	fi
	out=$dir/$h.log
	mkdir -p "$work"
	before=$(find "$dir/artifacts" -name "$h-*" | wc -l)
	start=$(date +%s)
	rc=0
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
		"$exe" -max_total_time="$seconds" -print_final_stats=1 \
		-max_len=4096 -timeout=10 \
		-artifact_prefix="$dir/artifacts/$h-" \
		"$work" "$seeddir" >"$out" 2>&1 || rc=$?
	elapsed=$(( $(date +%s) - start ))
	after=$(find "$dir/artifacts" -name "$h-*" | wc -l)
	crashes=$((after - before))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -n 1)
	if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
		crashes=1	# died without leaving an artifact
	fi
	if [ "$crashes" -ne 0 ]; then
		status=1
		echo "$h: exit status $rc; last lines of $out:" >&2
		tail -n 30 "$out" >&2
	fi
	summary+=("$h: ${execs:-?} execs in $elapsed s, $crashes crashes")
done

for line in "${summary[@]}"; do
	echo "$line"
done
exit "$status"
