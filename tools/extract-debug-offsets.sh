#!/bin/bash
# extract-debug-offsets.sh: copies a CPython 3.13+ file's _Py_DebugOffsets into a test fixture.
#
#   tools/extract-debug-offsets.sh <libpython3.X.so or static python3.X> <out.bin>
#
# _Py_DebugOffsets is the first member of _PyRuntimeState and statically
# initialised, so it is in the file at _PyRuntime's place in the .PyRuntime
# section. Its size comes from user/offsets_table.c (offsets_debug_slots:
# version_hex is the size in u64 slots for that minor), so run
# tools/gen-offsets.sh first. The fixtures in tests/unit/fixtures were made by
# tools/extract-debug-offsets.sh --fixtures (pyenv's libpython3.13.so.1.0 and
# the sid python3.13/3.14/3.15 executables from tools/fetch-pythons.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)

die() {
	echo "Error: extract-debug-offsets: $*" >&2
	exit 1
}

extract() {
	local elf=$1 out=$2 sec addr off sym minor nslots cookie ver

	[ -r "$elf" ] || die "$elf not readable"
	# [Nr] Name Type Address Off Size ...
	sec=$(readelf -SW "$elf" | sed -n 's/^ *\[ *[0-9]*\] \.PyRuntime  *PROGBITS  *\([0-9a-f]*\) \([0-9a-f]*\) .*/\1 \2/p')
	[ -n "$sec" ] || die "$elf has no .PyRuntime section (not CPython 3.10+?)"
	read -r addr off <<<"$sec"
	sym=$(nm -D --defined-only "$elf" | awk '$3 == "_PyRuntime" { print $1 }')
	[ -n "$sym" ] || die "$elf does not define _PyRuntime"
	# Where _PyRuntime sits in the file: its address's place in .PyRuntime.
	off=$((0x$off + 0x$sym - 0x$addr))

	cookie=$(dd if="$elf" bs=1 skip="$off" count=8 status=none)
	[ "$cookie" = xdebugpy ] || die "$elf: no _Py_DebugOffsets cookie at _PyRuntime (CPython < 3.13?)"
	ver=$(od -An -t x8 -j $((off + 8)) -N 8 "$elf" | tr -d ' ')
	minor=$((0x$ver >> 16 & 0xff))
	# The 3.<minor> entry of offsets_debug_slots, its version_hex line.
	nslots=$(awk -v m="/* 3.$minor */" '
		/^const struct py_offsets offsets_debug_slots/ { in_slots = 1 }
		in_slots && index($0, m) { found = 1 }
		found && /\.version_hex = / { gsub(/[^0-9]/, "", $3); print $3; exit }
	' "$ROOT/user/offsets_table.c")
	if [ -z "$nslots" ] || [ "$nslots" = 0 ]; then
		die "no _Py_DebugOffsets layout for 3.$minor in user/offsets_table.c"
	fi
	dd if="$elf" of="$out" bs=4096 skip="$off" count=$((nslots * 8)) iflag=skip_bytes,count_bytes status=none
	[ "$(stat -c %s "$out")" = $((nslots * 8)) ] || die "short read from $elf"
	echo "  FIXTURE  $out: 3.$minor (0x$ver), $((nslots * 8)) bytes from $elf"
}

if [ "${1:-}" = --fixtures ]; then
	cd "$ROOT"
	fx=tests/unit/fixtures
	mkdir -p "$fx"
	pyenv_root=$(pyenv root 2>/dev/null || true)
	[ -d "$pyenv_root/versions" ] || pyenv_root=/root/.pyenv
	extract "$pyenv_root/versions/3.13.0/lib/libpython3.13.so.1.0" "$fx/debug_offsets_3.13.0.bin"
	for v in 3.13 3.14 3.15; do
		exe=.cache/pythons/sid/usr/bin/python$v
		full=$(.cache/pythons/bin/python$v -c 'import platform; print(platform.python_version())')
		extract "$exe" "$fx/debug_offsets_$full.bin"
	done
	exit 0
fi
[ $# = 2 ] || die "usage: $0 <elf> <out.bin> | --fixtures"
extract "$1" "$2"
