#!/bin/bash
# fetch-pythons.sh: makes Debian sid's python3.13, 3.14 and 3.15 runnable here, cached in .cache/pythons.
#
# The sid interpreters need sid's glibc (>= 2.38), newer than this Debian's.
# We download the packages with apt, using a private sources list and
# private apt state (the system's apt configuration is never touched),
# unpack them with dpkg -x under .cache/pythons/sid, and patchelf a copy of
# each interpreter so it loads sid's ld.so and libraries by itself: the
# running process's /proc/PID/exe is then the Python binary, not a loader.
# .cache/pythons/bin/python3.X are wrappers that set PYTHONHOME and exec it.
#
# Idempotent and quiet when the cache is complete; safe to run concurrently
# (flock); fails loudly when a download or a check fails.
# Environment: PYHAWK_PYTHONS_CACHE overrides the cache directory.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PYHAWK_PYTHONS_CACHE:-$ROOT/.cache/pythons}
SID=$CACHE/sid
BIN=$CACHE/bin
PATCHED=$CACHE/patched
VERSIONS="3.13 3.14 3.15"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# Bump when the layout of the cache changes, so old caches are rebuilt.
STAMP_VERSION=1

die() {
	echo "Error: fetch-pythons: $*" >&2
	exit 1
}

# Everything the interpreters need to start and import os, sys, time,
# threading (and the usual site machinery): the python packages, the
# headers (tools/gen-offsets.sh), and the shared libraries the binaries
# and the stdlib's core extension modules link (checked with readelf -d).
# The -dbg builds are left out: 85-100 MB of packages per version.
pkgs() {
	local v
	for v in $VERSIONS; do
		echo "python$v-minimal libpython$v-minimal libpython$v-stdlib libpython$v-dev"
	done
	echo "libc6 libgcc-s1 libexpat1 zlib1g libffi8 libzstd1 libmpdec4 libbz2-1.0 liblzma5 libuuid1"
}

# A complete cache: every wrapper exists, runs, and the stamp matches.
cache_complete() {
	local v
	[ "$(cat "$CACHE/.complete" 2>/dev/null)" = "$STAMP_VERSION $VERSIONS" ] || return 1
	for v in $VERSIONS; do
		[ -x "$BIN/python$v" ] || return 1
		"$BIN/python$v" -c 'import sys, threading, time' >/dev/null 2>&1 || return 1
	done
}

if cache_complete; then
	exit 0
fi

# shellcheck source=tools/private-apt.sh
. "$ROOT/tools/private-apt.sh"
private_cache_begin "$CACHE" dpkg patchelf flock readelf

start=$(date +%s)
echo "  PYTHONS  fetching Debian sid python $VERSIONS into ${CACHE#"$ROOT"/}"

APTDIR=$CACHE/apt
private_sid_sources "$APTDIR"

private_apt_update "$APTDIR" "Debian sid"

log=$APTDIR/download.log
# shellcheck disable=SC2046 # word splitting of the package list is wanted
if ! (cd "$APTDIR/debs" && apt-get "${APTOPTS[@]}" download $(pkgs)) >"$log" 2>&1; then
	cat "$log" >&2
	die "downloading the sid packages failed (see the log above)"
fi

# Unpack into a fresh tree, then swap it in: a half-unpacked tree from an
# interrupted run is never used.
rm -rf "$SID.new" "$PATCHED.new" "$BIN.new"
mkdir -p "$SID.new" "$PATCHED.new" "$BIN.new"
for pkg in $(pkgs); do
	deb=$(find "$APTDIR/debs" -maxdepth 1 -name "${pkg}_*_*.deb" | sort -V | tail -n 1)
	[ -n "$deb" ] || die "no .deb downloaded for $pkg"
	dpkg -x "$deb" "$SID.new" || die "dpkg -x $deb failed"
done

# sid is usr-merged: the loader and libc are under usr/lib.
ldso=$SID/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
[ -e "$SID.new/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ] ||
	die "sid's libc6 has no usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
# DT_RPATH (not RUNPATH) so that it also applies to the libraries that the
# stdlib's extension modules pull in (libffi, libzstd, ...).
rpath=$SID/usr/lib/x86_64-linux-gnu:$SID/lib/x86_64-linux-gnu

for v in $VERSIONS; do
	exe=$SID.new/usr/bin/python$v
	[ -x "$exe" ] || die "python$v-minimal has no usr/bin/python$v"
	cp "$exe" "$PATCHED.new/python$v"
	patchelf --set-interpreter "$ldso" --force-rpath --set-rpath "$rpath" "$PATCHED.new/python$v" ||
		die "patchelf python$v failed"
	cat >"$BIN.new/python$v" <<EOF
#!/bin/sh
# python$v from Debian sid, made runnable by tools/fetch-pythons.sh (do not edit).
PYTHONHOME=$SID/usr
export PYTHONHOME
exec $PATCHED/python$v "\$@"
EOF
	chmod 0755 "$BIN.new/python$v"
done

rm -rf "$SID" "$PATCHED" "$BIN"
mv "$SID.new" "$SID"
mv "$PATCHED.new" "$PATCHED"
mv "$BIN.new" "$BIN"

for v in $VERSIONS; do
	out=$("$BIN/python$v" -c 'import sys, threading, time; print(sys.version.split()[0])' 2>&1) ||
		die "python$v does not run: $out"
	case "$out" in
	"$v".*) echo "  PYTHONS  python$v: $out ($BIN/python$v)" ;;
	*) die "python$v reports version '$out'" ;;
	esac
done

echo "$STAMP_VERSION $VERSIONS" >"$CACHE/.complete"
echo "  PYTHONS  done in $(($(date +%s) - start)) s"
