#!/bin/busybox sh
# vm-init.sh: /init of the test VM's initramfs (tools/vm-initramfs.py puts it
# there). Mounts this machine's root file system, shared read-only over 9p
# (tag "root"), as the guest's root, with fresh proc, sys, dev, tmp, run and
# the BPF and tracing file systems on top; mounts the run directory (tag
# "run", writable) at /tmp/vm; runs /tmp/vm/cmd there with sh, writes its
# exit code to /tmp/vm/rc and powers off. tools/vm-run.sh is the other side.
/bin/busybox mkdir -p /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

for m in $(cat /modules.order); do
	insmod "/lib/modules/$m.ko" || echo "pyhawk-vm: insmod $m failed"
done

R=/newroot
fail() {
	echo "pyhawk-vm: $*"
	poweroff -f
}
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 root $R ||
	fail "cannot mount the root file system over 9p"
mount -t proc proc $R/proc
mount -t sysfs sys $R/sys
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm 2>/dev/null
mount -t devpts devpts $R/dev/pts
mount -t tmpfs shm $R/dev/shm
mount -t tmpfs tmp $R/tmp
mount -t tmpfs run $R/run
mount -t bpf bpf $R/sys/fs/bpf
mount -t tracefs tracefs $R/sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
mkdir -p $R/tmp/vm
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 run $R/tmp/vm ||
	fail "cannot mount the run directory over 9p"
hostname pyhawk-vm

chroot $R /bin/sh -c 'cd /tmp && exec /bin/sh /tmp/vm/cmd' </dev/console >/dev/console 2>&1
echo $? >$R/tmp/vm/rc
sync
umount $R/tmp/vm
poweroff -f
