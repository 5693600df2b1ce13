#!/usr/bin/env python3
"""vm-initramfs.py: builds the tiny initramfs that boots a test kernel under
qemu with this machine's root file system shared read-only over 9p.

    tools/vm-initramfs.py KERNEL_TREE BUSYBOX OUT.cpio.gz

KERNEL_TREE is an unpacked linux-image package (lib/modules/VERSION/...).
The archive holds a static busybox, /init (tools/vm-init.sh) and the
modules 9p over virtio needs, decompressed and listed in load order
(/modules.order): 9p, 9pnet_virtio and virtio_pci where the kernel builds
them as modules, and whatever they depend on (the `depends=` field of each
module's .modinfo; Debian's packages ship no modules.dep)."""

import glob
import gzip
import lzma
import os
import re
import sys

WANTED = ["9p", "9pnet_virtio", "virtio_pci"]
INIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vm-init.sh")


def find_modules(tree):
    """Module name -> path of its .ko / .ko.xz in the unpacked package."""
    dirs = glob.glob(os.path.join(tree, "lib", "modules", "*", "kernel")) + glob.glob(
        os.path.join(tree, "usr", "lib", "modules", "*", "kernel"))
    if len(dirs) != 1:
        sys.exit("Error: vm-initramfs: expected one lib/modules/VERSION/kernel in %s, found %d"
                 % (tree, len(dirs)))
    mods = {}
    for root, _, files in os.walk(dirs[0]):
        for f in files:
            m = re.fullmatch(r"(.+)\.ko(\.xz)?", f)
            if m:
                mods[m.group(1).replace("-", "_")] = os.path.join(root, f)
    return mods


def module_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    return lzma.decompress(data) if path.endswith(".xz") else data


def depends(data):
    m = re.search(rb"\0depends=([^\0]*)\0", data)
    if not m or not m.group(1):
        return []
    return [d.decode().replace("-", "_") for d in m.group(1).split(b",")]


def load_order(mods, wanted):
    """Modules to insert, dependencies first; names built into the kernel
    (absent from the package's module files) are skipped."""
    order, seen = [], set()

    def visit(name, depth=0):
        if name in seen or name not in mods:
            return
        if depth > 32:
            sys.exit("Error: vm-initramfs: module dependencies too deep at %s" % name)
        seen.add(name)
        data = module_bytes(mods[name])
        for dep in depends(data):
            visit(dep, depth + 1)
        order.append((name, data))

    for name in wanted:
        visit(name)
    return order


class Cpio:
    """A 'newc' cpio archive, the format the kernel unpacks."""

    def __init__(self):
        self.out = bytearray()
        self.ino = 1

    def _entry(self, name, mode, data=b""):
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join("%08X" % v for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0))
        self.ino += 1
        self.out += hdr.encode() + name_b
        self.out += b"\0" * (-len(self.out) % 4)
        self.out += data
        self.out += b"\0" * (-len(self.out) % 4)

    def dir(self, name):
        self._entry(name, 0o40755)

    def file(self, name, data, mode=0o644):
        self._entry(name, 0o100000 | mode, data)

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return bytes(self.out)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: vm-initramfs.py KERNEL_TREE BUSYBOX OUT.cpio.gz")
    tree, busybox, out = sys.argv[1:]
    order = load_order(find_modules(tree), WANTED)
    names = [n for n, _ in order]
    if "9p" not in names or "9pnet_virtio" not in names:
        sys.exit("Error: vm-initramfs: no 9p / 9pnet_virtio module in %s" % tree)
    c = Cpio()
    for d in ("bin", "dev", "proc", "sys", "newroot", "lib", "lib/modules"):
        c.dir(d)
    with open(busybox, "rb") as f:
        c.file("bin/busybox", f.read(), 0o755)
    with open(INIT, "rb") as f:
        c.file("init", f.read(), 0o755)
    for name, data in order:
        c.file("lib/modules/%s.ko" % name, data)
    c.file("modules.order", "".join(n + "\n" for n in names).encode())
    tmp = out + ".tmp"
    with gzip.open(tmp, "wb", compresslevel=6) as f:
        f.write(c.finish())
    os.replace(tmp, out)
    print("  INITRD   %s (modules: %s)" % (out, " ".join(names) or "none"))


if __name__ == "__main__":
    main()
