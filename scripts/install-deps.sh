#!/usr/bin/env bash
# Installs every Debian package pfkey needs to build, test and fuzz.
# Idempotent: does nothing when everything is already installed.
set -euo pipefail

packages=(
	gcc            # the compiler
	libc6-dev
	meson          # the build
	ninja-build
	pkg-config
	libcmocka-dev  # unit tests
	clang          # libFuzzer harnesses
	libclang-rt-14-dev
	python3        # the test runner's TAP tally (meson needs it anyway)
	libedit-dev    # ipseckey: line editing and history
	procps         # pkill and ps in the demo and the tests
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
as_root=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
		exit 1
	}
	as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
