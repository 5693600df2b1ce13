#!/bin/bash
# fetch-austin.sh: makes Debian sid's austin (3.7, the peer profiler `make
# bench` compares with) runnable here, cached in .cache/austin; bookworm's
# own austin is 1.0, which stops at Python 3.10.
#
# Like tools/fetch-pythons.sh (whose sid tree it uses for glibc, zlib and
# the other libraries both need): private apt state, dpkg -x, and a copy of
# the binary patched to load sid's ld.so and libraries. The system's apt
# configuration is never touched. Prints the path of the runnable austin.
# Idempotent; fails loudly when a download or a check fails.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PYHAWK_AUSTIN_CACHE:-$ROOT/.cache/austin}
PYTHONS=${PYHAWK_PYTHONS_CACHE:-$ROOT/.cache/pythons}
SID=$PYTHONS/sid
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
PKGS="austin libunwind8 libsframe3"

die() {
	echo "Error: fetch-austin: $*" >&2
	exit 1
}

cache_complete() {
	[ -x "$CACHE/bin/austin" ] && "$CACHE/bin/austin" -V >/dev/null 2>&1
}

if cache_complete; then
	echo "$CACHE/bin/austin"
	exit 0
fi
"$ROOT/tools/fetch-pythons.sh" >&2

# shellcheck source=tools/private-apt.sh
. "$ROOT/tools/private-apt.sh"
private_cache_begin "$CACHE" dpkg patchelf flock

APTDIR=$CACHE/apt
private_sid_sources "$APTDIR"
private_apt_update "$APTDIR" "Debian sid"
log=$APTDIR/download.log
# shellcheck disable=SC2086 # the package list is words
if ! (cd "$APTDIR/debs" && apt-get "${APTOPTS[@]}" download $PKGS) >"$log" 2>&1; then
	cat "$log" >&2
	die "downloading $PKGS from sid failed (see the log above)"
fi

rm -rf "${CACHE:?}/root" "${CACHE:?}/bin"
mkdir -p "$CACHE/root" "$CACHE/bin"
for pkg in $PKGS; do
	deb=$(find "$APTDIR/debs" -maxdepth 1 -name "${pkg}_*_*.deb" | sort -V | tail -n 1)
	[ -n "$deb" ] || die "no .deb downloaded for $pkg"
	dpkg -x "$deb" "$CACHE/root" || die "dpkg -x $deb failed"
done
[ -x "$CACHE/root/usr/bin/austin" ] || die "the austin package has no usr/bin/austin"
cp "$CACHE/root/usr/bin/austin" "$CACHE/bin/austin"
patchelf --set-interpreter "$SID/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --force-rpath \
	--set-rpath "$CACHE/root/usr/lib/x86_64-linux-gnu:$SID/usr/lib/x86_64-linux-gnu" \
	"$CACHE/bin/austin" || die "patchelf austin failed"
out=$("$CACHE/bin/austin" -V 2>&1) || die "austin does not run: $out"
echo "  AUSTIN   $out ($CACHE/bin/austin)" >&2
echo "$CACHE/bin/austin"
