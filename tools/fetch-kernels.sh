#!/bin/bash
# fetch-kernels.sh: fetches the kernels of the test matrix and builds each
# one's initramfs, cached in .cache/kernels/LABEL/{vmlinuz,initrd.gz,version}.
#
#   6.1   Debian 12's own kernel        linux-image-6.1.0-N-amd64-unsigned
#   6.12  Debian 13's, built for 12     linux-image-6.12.N+deb12-amd64-unsigned
#   5.10  Debian 11's (too old: pyhawk must refuse it at start)
#
# The newest build of each is taken from Debian's archive with apt, using a
# private sources list and private apt state (the system's apt configuration
# is never touched), unpacked with dpkg -x; busybox comes the same way.
# qemu itself is a system package (tools/install-deps.sh). Idempotent and
# quiet when the cache is complete; safe to run concurrently (flock).
# Environment: PYHAWK_KERNELS_CACHE overrides the cache directory.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PYHAWK_KERNELS_CACHE:-$ROOT/.cache/kernels}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
LABELS="6.1 6.12 5.10"
# Bump when the layout of the cache (or the initramfs) changes.
STAMP_VERSION="1 $(cksum <"$ROOT/tools/vm-init.sh" | cut -d' ' -f1) $(cksum <"$ROOT/tools/vm-initramfs.py" | cut -d' ' -f1)"

die() {
	echo "Error: fetch-kernels: $*" >&2
	exit 1
}

# Package name pattern (an extended regex) of each label.
pattern() {
	case $1 in
	6.1) echo '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
	6.12) echo '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' ;;
	5.10) echo '^linux-image-5\.10\.0-[0-9]+-amd64-unsigned$' ;;
	*) die "unknown kernel label $1" ;;
	esac
}

cache_complete() {
	local l
	[ "$(cat "$CACHE/.complete" 2>/dev/null)" = "$STAMP_VERSION $LABELS" ] || return 1
	for l in $LABELS; do
		[ -s "$CACHE/$l/vmlinuz" ] && [ -s "$CACHE/$l/initrd.gz" ] && [ -s "$CACHE/$l/version" ] || return 1
	done
}

if cache_complete; then
	exit 0
fi

# shellcheck source=tools/private-apt.sh
. "$ROOT/tools/private-apt.sh"
private_cache_begin "$CACHE" apt-cache dpkg flock python3

start=$(date +%s)
echo "  KERNELS  fetching Linux $LABELS into ${CACHE#"$ROOT"/}"

APTDIR=$CACHE/apt
mkdir -p "$APTDIR/debs"
cat >"$APTDIR/private.sources" <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates bullseye bullseye-updates
Components: main
Architectures: amd64
Signed-By: $KEYRING

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security bullseye-security
Components: main
Architectures: amd64
Signed-By: $KEYRING
EOF

private_apt_update "$APTDIR" "Debian's archive"

# The newest package of each label, and busybox.
pkgs="busybox-static"
for l in $LABELS; do
	p=$(apt-cache "${APTOPTS[@]}" pkgnames linux-image- | grep -E "$(pattern "$l")" | sort -V | tail -n 1)
	[ -n "$p" ] || die "no package matches $(pattern "$l") in Debian's archive"
	pkgs="$pkgs $p"
	echo "$p" >"$APTDIR/$l.pkg"
done

log=$APTDIR/download.log
rm -f "$APTDIR"/debs/*.deb
# shellcheck disable=SC2086 # word splitting of the package list is wanted
if ! (cd "$APTDIR/debs" && apt-get "${APTOPTS[@]}" download $pkgs) >"$log" 2>&1; then
	cat "$log" >&2
	die "downloading the kernel packages failed (see the log above)"
fi

unpack() { # package, directory
	local deb
	deb=$(find "$APTDIR/debs" -maxdepth 1 -name "${1}_*.deb" | sort -V | tail -n 1)
	[ -n "$deb" ] || die "no .deb downloaded for $1"
	rm -rf "$2"
	mkdir -p "$2"
	dpkg -x "$deb" "$2" || die "dpkg -x $deb failed"
}

unpack busybox-static "$APTDIR/busybox"
busybox=$APTDIR/busybox/bin/busybox
[ -x "$busybox" ] || die "busybox-static has no bin/busybox"

for l in $LABELS; do
	p=$(cat "$APTDIR/$l.pkg")
	tree=$APTDIR/tree
	unpack "$p" "$tree"
	new=$CACHE/$l.new
	rm -rf "$new"
	mkdir -p "$new"
	vmlinuz=$(find "$tree/boot" -name 'vmlinuz-*' | head -n 1)
	[ -n "$vmlinuz" ] || die "$p has no boot/vmlinuz-*"
	cp "$vmlinuz" "$new/vmlinuz"
	python3 "$ROOT/tools/vm-initramfs.py" "$tree" "$busybox" "$new/initrd.gz" >/dev/null
	echo "${vmlinuz##*/vmlinuz-} ($p)" >"$new/version"
	rm -rf "$CACHE/$l" "$tree"
	mv "$new" "$CACHE/$l"
	echo "  KERNELS  $l: $(cat "$CACHE/$l/version")"
done
rm -f "$APTDIR"/debs/*.deb

echo "$STAMP_VERSION $LABELS" >"$CACHE/.complete"
echo "  KERNELS  done in $(($(date +%s) - start)) s"
