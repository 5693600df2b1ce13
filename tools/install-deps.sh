#!/bin/sh
# install-deps.sh: install the Debian packages (and the npm test packages)
# that building and testing pyhawk need. Idempotent and quiet when all is there.
set -eu
cd "$(dirname "$0")/.."

# build: clang (BPF target), bpftool (skeletons), libbpf/libelf/zlib headers.
# tests: python3-pytest (integration tests; python3-pytest-rerunfailures
# runs a statistical test again once when it fails), Debian's python3.11 (a static,
# dtrace build in the matrix), patchelf (runs Debian sid's Pythons with sid's
# glibc), chromium + node/npm (the SVG, speedscope and pprof-format consumer
# tests), golang-go (go tool pprof reads our pprof files),
# qemu (the kernel matrix: tests/run-kernels.sh), tmux (top and record's
# progress line on a real terminal). libncurses-dev: top's screen (ncursesw:
# wide characters, resizing, the terminal restored on exit).
PKGS="clang llvm make gcc pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev libncurses-dev tmux \
python3 python3-pytest python3-pytest-rerunfailures python3.11 libpython3.11-dev patchelf ca-certificates \
chromium nodejs golang-go qemu-system-x86"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "  DEPS     installing:$missing"
	[ "$(id -u)" = 0 ] || { echo "Error: installing packages needs root (sudo make deps)" >&2; exit 1; }
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# npm packages for the consumer tests, pinned by tests/js/package-lock.json;
# again when the lock file is newer than what npm ci last installed.
if [ -f tests/js/package.json ] && { [ ! -f tests/js/node_modules/.package-lock.json ] ||
	[ tests/js/package-lock.json -nt tests/js/node_modules/.package-lock.json ]; }; then
	echo "  DEPS     npm ci (tests/js)"
	(cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
fi

# Debian sid's python3.13 / 3.14 / 3.15 for the test matrix (cached).
tools/fetch-pythons.sh

# Debian's 6.1, 6.12 and 5.10 kernels for the kernel matrix (cached).
tools/fetch-kernels.sh
