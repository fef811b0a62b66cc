#!/bin/sh
# bench.sh - builds an optimized tree (build-bench) and runs every benchmark.
#
#   scripts/bench.sh            wall-time figures (medians) and ratios
#   scripts/bench.sh --callgrind  also instructions and simulated cache
#                               misses per operation (needs valgrind; slower)
#
# Timings are medians of several runs measured in one process; on a busy
# machine run it twice and compare.  Nothing is pinned.
set -eu
cd "$(dirname "$0")/.."
dir=build-bench
if [ ! -d "$dir" ]; then
	meson setup "$dir" --buildtype=release >/dev/null
fi
ninja -C "$dir" bench/bench_sadb bench/bench_spd bench/bench_setkey \
	bench/bench_pfkeyd \
	tools/setkey/setkey daemon/pfkeyd >/dev/null
cg=
if [ "${1:-}" = "--callgrind" ]; then
	if command -v valgrind >/dev/null 2>&1; then
		cg=--callgrind
	else
		echo "bench.sh: valgrind not found, no instruction counts" >&2
	fi
fi
"$dir/bench/bench_sadb" $cg
"$dir/bench/bench_spd"
"$dir/bench/bench_pfkeyd"
"$dir/bench/bench_setkey"
