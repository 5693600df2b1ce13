#!/bin/sh
# gen-vmlinux-h.sh: regenerate vmlinux/<arch>/vmlinux.h from the running
# kernel's BTF. Run on purpose (the build never does): the BPF code uses
# CO-RE, so one checked-in header serves every kernel with BTF.
set -eu
cd "$(dirname "$0")/.."
arch=$(uname -m | sed 's/x86_64/x86/')
mkdir -p "vmlinux/$arch"
bpftool btf dump file "${1:-/sys/kernel/btf/vmlinux}" format c > "vmlinux/$arch/vmlinux.h.tmp"
mv "vmlinux/$arch/vmlinux.h.tmp" "vmlinux/$arch/vmlinux.h"
echo "wrote vmlinux/$arch/vmlinux.h from $(uname -r)"
