#!/usr/bin/env bash
# The main job, for now: install what is missing, build, then talk PF_KEY v2
# to a private pfkeyd.  The first request starts the daemon (the embedded
# default: no root and no kernel IPsec needed); it is stopped at the end.
# (ipseckey and setkey will load their example files here once they land.)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

run=$(mktemp -d /tmp/pfkey-demo.XXXXXX)
export PFKEY_SOCKET=$run/pfkey.sock
trap 'pkill -f "pfkeyd --socket $PFKEY_SOCKET" || true; rm -rf "$run"' EXIT

echo "== a message encoded and decoded again: pfkeymsg example add | pfkeymsg decode -p"
build/tools/pfkeymsg example add | build/tools/pfkeymsg decode -p
echo
echo "== sent to a private pfkeyd ($PFKEY_SOCKET): pfkeymsg send -p add spdadd"
build/tools/pfkeymsg send -p add spdadd
echo
echo "== its databases: pfkeymsg dump -p"
build/tools/pfkeymsg dump -p
