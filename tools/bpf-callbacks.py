#!/usr/bin/env python3
"""bpf-callbacks.py: shows that the kernel's verifier kept every branch of
the sampler's functions (the bpf_loop callbacks above all).

Before 6.7 the verifier checked a bpf_loop callback once, with the caller's
stack as it was at the call, and removed the branches it took for dead: on
6.1 the thread search shrank from 79 to 27 instructions and found no thread.
Dead-code removal only ever takes instructions and conditional jumps away
(helper inlining adds some), so a function whose translated (xlated) code has
fewer of either than the compiled object lost code.

    bpf-callbacks.py dump OUT.json
        loads each sampler (a short `pyhawk record --all`, and with --idle
        the task iterator) and writes the per-function counts of their
        translated programs, with the kernel release, to OUT.json
    bpf-callbacks.py compare OBJ DUMP.json...
        compares each dump with the object's own counts; prints one table
        (a column per kernel) and exits 1 if any function lost code.
"""

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The sampling programs, and the record options that load each.
PROGS = (("on_cpu_sample", []), ("sample_task", ["--idle"]))
BPF_JMP, BPF_JMP32 = 0x05, 0x06
NOT_COND = {0x00, 0x80, 0x90}  # JA, CALL, EXIT


def is_cond_jump(opcode):
    return opcode & 7 in (BPF_JMP, BPF_JMP32) and opcode & 0xF0 not in NOT_COND


def count(lines, func_re, insn_re):
    """{function: {"insns": n, "branches": n}} from a disassembly."""
    funcs, cur = {}, None
    for line in lines:
        m = func_re.match(line)
        if m:
            cur = funcs.setdefault(m.group(1), {"insns": 0, "branches": 0})
            continue
        m = insn_re.match(line)
        if m and cur is not None:
            cur["insns"] += 1
            cur["branches"] += is_cond_jump(int(m.group(1), 16))
    return funcs


def elf_counts(obj):
    out = subprocess.run(["llvm-objdump", "-d", obj], capture_output=True, text=True, check=True)
    # "0000000000002a88 <search_step_local>:" (LBB labels are not functions)
    # "    1361:  bf 26 00 00 ...  r6 = r2"
    return count(out.stdout.splitlines(), re.compile(r"^[0-9a-f]+ <((?!LBB)\w+)>:$"),
                 re.compile(r"^\s*\d+:\s+([0-9a-f]{2}) "))


def xlated_counts(text):
    # "long search_step_local(__u32 i, void * ctx):"
    # " 691: (bf) r6 = r2"
    return count(text.splitlines(), re.compile(r"^\w[\w\s\*]*?\b(\w+)\(.*\):$"),
                 re.compile(r"^\s*\d+: \(([0-9a-f]{2})\)"))


def prog_ids(name):
    out = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True,
                         check=True)
    return {p["id"] for p in json.loads(out.stdout) if p.get("name") == name}


def dump_prog(prog, extra):
    """{function: counts} of prog's translated code, loaded by a short
    `pyhawk record --all` with extra options."""
    before = prog_ids(prog)
    tmp = tempfile.mkdtemp(prefix="pyhawk-callbacks.")
    # --all: its knob (a read-only global) set, so that the verifier keeps
    # the code behind it; with it unset that code is dead, and rightly
    # removed.
    rec = subprocess.Popen([os.path.join(ROOT, "pyhawk"), "record", "--all", "-d", "60", "-f", "raw",
                            "-o", os.path.join(tmp, "out.txt")] + extra,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 300  # loading is slow under emulation
        new = set()
        while not new and time.time() < deadline and rec.poll() is None:
            time.sleep(0.5)
            new = prog_ids(prog) - before
        if not new:
            err = rec.communicate(timeout=30)[1] if rec.poll() is not None else ""
            sys.exit("Error: %s never appeared loaded: %s" % (prog, err.strip()))
        text = subprocess.run(["bpftool", "prog", "dump", "xlated", "id", str(max(new))],
                              capture_output=True, text=True, check=True).stdout
    finally:
        rec.terminate()
        rec.wait(timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)
    funcs = xlated_counts(text)
    if not funcs:
        sys.exit("Error: no function found in the xlated dump of %s (no BTF func info?)" % prog)
    return funcs


def dump(path):
    funcs = {}
    for prog, extra in PROGS:
        for name, c in dump_prog(prog, extra).items():
            # A function both programs hold (a global one) counts at its
            # smaller: the one that could have lost code.
            old = funcs.get(name)
            if old is None or (c["insns"], c["branches"]) < (old["insns"], old["branches"]):
                funcs[name] = c
    with open(path, "w") as f:
        json.dump({"kernel": platform.release(), "funcs": funcs}, f, indent=1)
    print("bpf-callbacks: %s: %d functions" % (platform.release(), len(funcs)))


def compare(obj, dumps):
    want = elf_counts(obj)
    runs = []
    for d in dumps:
        with open(d) as f:
            runs.append(json.load(f))
    bad = []
    print("%-22s %14s" % ("function (insns/branches)", "object") +
          "".join(" %22s" % r["kernel"][:22] for r in runs))
    # The sampling programs' functions (the object holds other programs too).
    names = sorted(set(want) & {n for r in runs for n in r["funcs"]})
    for name in names:
        w = want[name]
        row = "%-22s %14s" % (name, "%d/%d" % (w["insns"], w["branches"]))
        for r in runs:
            got = r["funcs"].get(name)
            if got is None:
                row += " %22s" % "missing"
                bad.append("%s: %s is missing" % (r["kernel"], name))
                continue
            lost = got["insns"] < w["insns"] or got["branches"] < w["branches"]
            row += " %22s" % ("%s%d/%d" % ("LOST " if lost else "", got["insns"], got["branches"]))
            if lost:
                bad.append("%s: %s has %d/%d instructions/branches, the object %d/%d" % (
                    r["kernel"], name, got["insns"], got["branches"], w["insns"], w["branches"]))
        print(row)
    for b in bad:
        print("bpf-callbacks: verifier removed code: " + b)
    print("bpf-callbacks: %d passed, %d failed" % (len(names) * len(runs) - len(bad), len(bad)))
    return 1 if bad else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "dump":
        dump(sys.argv[2])
        return 0
    if len(sys.argv) >= 4 and sys.argv[1] == "compare":
        return compare(sys.argv[2], sys.argv[3:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
