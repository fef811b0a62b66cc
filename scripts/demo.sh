#!/usr/bin/env bash
# The main job, for now: install what is missing, build, then encode example
# PF_KEY v2 messages with libpfkey and decode and validate them again.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

for m in add spdadd register; do
	echo "== pfkeymsg example $m | pfkeymsg decode -p"
	build/tools/pfkeymsg example "$m" | build/tools/pfkeymsg decode -p
done
