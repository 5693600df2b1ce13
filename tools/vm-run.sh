#!/bin/bash
# vm-run.sh: runs a shell command inside a test kernel under qemu (software
# emulation: no /dev/kvm here), with this machine's root file system as the
# guest's, read-only over 9p, and exits with the command's exit code.
#
#   tools/vm-run.sh LABEL 'COMMAND'     LABEL: a kernel of tools/fetch-kernels.sh
#
# The command runs as root in the directory vm-run.sh was started from, with
# PATH and PYENV_ROOT as here; /tmp is a fresh tmpfs, and /tmp/vm is this
# run's directory on the host (writable, shared over 9p). Its output goes to
# stdout as it runs. Exit codes: the command's; 124 when the VM did not finish
# within PYHAWK_VM_TIMEOUT seconds (default 900); 125 when it did not boot or
# died without running the command to the end. Files the command leaves in
# /tmp/vm/out are copied to the host directory $PYHAWK_VM_OUT, if set.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PYHAWK_KERNELS_CACHE:-$ROOT/.cache/kernels}
[ $# -eq 2 ] || {
	echo "usage: tools/vm-run.sh LABEL 'COMMAND'" >&2
	exit 2
}
label=$1
command=$2
kdir=$CACHE/$label
[ -s "$kdir/vmlinuz" ] && [ -s "$kdir/initrd.gz" ] || {
	echo "Error: no kernel '$label' in $CACHE (run tools/fetch-kernels.sh)" >&2
	exit 2
}
command -v qemu-system-x86_64 >/dev/null || {
	echo "Error: qemu-system-x86_64 not found (run tools/install-deps.sh)" >&2
	exit 2
}

run=$(mktemp -d /tmp/pyhawk-vm.XXXXXX)
trap 'rm -rf "$run"' EXIT
mkdir "$run/out"
{
	printf 'export PATH=%q\n' "$PATH"
	[ -n "${PYENV_ROOT:-}" ] && printf 'export PYENV_ROOT=%q\n' "$PYENV_ROOT"
	echo 'export HOME=/root PYTHONDONTWRITEBYTECODE=1 PYHAWK_IN_VM=1'
	printf 'cd %q || exit 125\n' "$PWD"
	printf '%s\n' "$command"
} >"$run/cmd"

# q35 + TCG (multi-threaded: one host thread per vCPU). The root is shared
# read-only; multidevs=remap gives files of different host file systems
# (/, /proc, /sys, /dev) distinct inode numbers in the guest.
rc=0
timeout --foreground "${PYHAWK_VM_TIMEOUT:-900}" qemu-system-x86_64 \
	-machine q35,accel=tcg -cpu max -smp 2 -m 3072 \
	-kernel "$kdir/vmlinuz" -initrd "$kdir/initrd.gz" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 nokaslr" \
	-display none -monitor none -serial stdio -no-reboot \
	-virtfs "local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$run,mount_tag=run,security_model=none,multidevs=remap" \
	</dev/null || rc=$?
if [ "$rc" -eq 124 ]; then
	echo "Error: the $label VM did not finish within ${PYHAWK_VM_TIMEOUT:-900} s" >&2
	exit 124
fi
if [ -n "${PYHAWK_VM_OUT:-}" ]; then
	cp -r "$run/out/." "$PYHAWK_VM_OUT/"
fi
if [ ! -s "$run/rc" ]; then
	echo "Error: the $label VM stopped before the command finished (qemu exit $rc)" >&2
	exit 125
fi
exit "$(cat "$run/rc")"
