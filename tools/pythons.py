#!/usr/bin/env python3
"""pythons.py: discovers the CPython interpreters present for the test matrix.

Sources, in this order:
  pyenv   $(pyenv root)/versions/3.X.Y/bin/python3.X   (label pyenv-3.X)
  debian  /usr/bin/python3.X                            (label debian-3.X)
  sid     .cache/pythons/bin/python3.X, made by tools/fetch-pythons.sh
          (label sid-3.X; wrappers that exec a patched binary)
Only the minor versions pyhawk supports (3.8 .. 3.15) and default (GIL)
builds are listed; free-threaded builds are skipped. Each interpreter is run
once to learn its exact version, so a broken one is left out, not listed.

    python3 tools/pythons.py           one line per interpreter: label version path
    python3 tools/pythons.py --json    the same as JSON

Tests import it:  from pythons import discover;  for py in discover(): ...
"""

import dataclasses
import functools
import glob
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUPPORTED_MINORS = range(8, 16)

# What a child prints about itself: version, the binary the kernel runs
# (/proc/PID/exe: for sid, the patched binary behind the wrapper) and
# whether it is a free-threaded build.
_PROBE = (
    "import os, sys, sysconfig; "
    "print('%d.%d.%d' % sys.version_info[:3]); "
    "print(os.readlink('/proc/self/exe')); "
    "print(1 if sysconfig.get_config_var('Py_GIL_DISABLED') else 0); "
    "print(sys.version.replace(chr(10), ' '))"
)


@dataclasses.dataclass(frozen=True)
class Python:
    label: str  # pyenv-3.12, debian-3.11, sid-3.15
    origin: str  # pyenv, debian, sid
    version: str  # 3.12.1
    minor: tuple  # (3, 12)
    path: str  # what to run
    exe: str  # the binary /proc/PID/exe shows when `path` runs
    sys_version: str  # sys.version, one line

    @property
    def version_hex_minor(self):
        """PY_VERSION_HEX of the minor version, as pyhawk's tables key it."""
        return self.minor[0] << 24 | self.minor[1] << 16


def pyenv_root():
    try:
        out = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=10)
        if out.returncode == 0 and os.path.isdir(os.path.join(out.stdout.strip(), "versions")):
            return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    env = os.environ.get("PYENV_ROOT")
    if env and os.path.isdir(os.path.join(env, "versions")):
        return env
    return "/root/.pyenv"


def sid_bin_dir():
    cache = os.environ.get("PYHAWK_PYTHONS_CACHE", os.path.join(ROOT, ".cache", "pythons"))
    return os.path.join(cache, "bin")


def _candidates():
    """(origin, path) for every interpreter file that may be in the matrix."""
    for d in sorted(glob.glob(os.path.join(pyenv_root(), "versions", "3.*"))):
        m = re.fullmatch(r"3\.(\d+)\.\d+", os.path.basename(d))
        if m and int(m.group(1)) in SUPPORTED_MINORS:
            yield "pyenv", os.path.join(d, "bin", "python3." + m.group(1))
    for minor in SUPPORTED_MINORS:
        yield "debian", "/usr/bin/python3.%d" % minor
    for minor in SUPPORTED_MINORS:
        yield "sid", os.path.join(sid_bin_dir(), "python3.%d" % minor)


@functools.lru_cache(maxsize=None)
def _probe(origin, path):
    # -I keeps the caller's PYTHONPATH & co out, but the sid wrappers need
    # their own PYTHONHOME, which -I would ignore.
    args = [path, "-c", _PROBE] if origin == "sid" else [path, "-I", "-c", _PROBE]
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = out.stdout.splitlines()
    if out.returncode != 0 or len(lines) < 4:
        return None
    return lines[0], lines[1], lines[2] == "1", lines[3]


@functools.lru_cache(maxsize=None)
def discover():
    """Every usable interpreter, as a tuple of Python, sorted by minor
    version then origin (pyenv, debian, sid). Two pyenv builds of one minor
    share a label; by_label() returns the older."""
    found = []
    for origin, path in _candidates():
        if not os.access(path, os.X_OK):
            continue
        probed = _probe(origin, path)
        if probed is None:
            continue
        version, exe, free_threaded, sys_version = probed
        major, minor = (int(x) for x in version.split(".")[:2])
        if free_threaded or major != 3 or minor not in SUPPORTED_MINORS:
            continue
        found.append(Python(label="%s-%d.%d" % (origin, major, minor), origin=origin,
                            version=version, minor=(major, minor), path=path, exe=exe,
                            sys_version=sys_version))
    order = {"pyenv": 0, "debian": 1, "sid": 2}
    return tuple(sorted(found, key=lambda p: (p.minor, order[p.origin], p.version)))


def by_label(label):
    """The interpreter with this label, or None."""
    return next((p for p in discover() if p.label == label), None)


def main(argv):
    if argv[1:] == ["--json"]:
        json.dump([dataclasses.asdict(p) for p in discover()], sys.stdout, indent=1)
        print()
    elif argv[1:]:
        print("usage: %s [--json]" % argv[0], file=sys.stderr)
        return 2
    else:
        for p in discover():
            print("%-12s %-8s %s" % (p.label, p.version, p.path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
