#!/usr/bin/env bash
# The main job: install what is missing, build, start a private pfkeyd (the
# embedded default: no root and no kernel IPsec needed; the first client
# starts it), load examples/ipseckeys with ipseckey and examples/setkey.conf
# with setkey, and print the databases both ways.  The daemon is stopped
# at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

run=$(mktemp -d /tmp/pfkey-demo.XXXXXX)
export PFKEY_SOCKET=$run/pfkey.sock
trap 'pkill -f "pfkeyd --socket $PFKEY_SOCKET" || true; rm -rf "$run"' EXIT
ipseckey=build/tools/ipseckey/ipseckey
setkey=build/tools/setkey/setkey

# ipseckey wants key files only their owner can read.
install -m 0600 examples/ipseckeys "$run/ipseckeys"
echo "== ipseckey -f examples/ipseckeys"
"$ipseckey" -f "$run/ipseckeys"
echo "== setkey -f examples/setkey.conf"
"$setkey" -f examples/setkey.conf
echo
echo "== ipseckey -n -p dump    (the SADB, keys hidden)"
"$ipseckey" -n -p dump
echo
echo "== setkey -D              (the SADB as setkey shows it)"
"$setkey" -D
echo
echo "== setkey -DP             (the SPD)"
"$setkey" -DP
