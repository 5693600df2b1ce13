#!/usr/bin/env python3
"""bench_targeted.py: what a targeted capture (-p, --, -s) costs the rest of
the host and the machine, run by `make bench`. It measures, it does not
assert: the numbers go to the README with the date and the machine.

    python3 tools/bench_targeted.py [--quick] [--json FILE] [--python LABEL]

Sections:
  bystander  `bench_workload.py cpu` (it times its own work) run beside a
             busy Python process that pyhawk profiles with -p, the workload
             itself not profiled: per-task sampling (pyhawk's default for a
             targeted capture) at 100 Hz, 1 kHz and 10 kHz, and every CPU's
             events (PYHAWK_PER_CPU=1, pyhawk before per-task sampling) at
             1 kHz and 10 kHz; the baseline is the workload beside the same
             busy process with no pyhawk. Interleaved runs, medians; the
             baseline's spread says what is within noise.
  machine    machine CPU per sample: all CPU of the launcher and the
             workload's tree (pyhawk or austin, the interpreter, BPF in the
             target's context) above the workload alone, over the samples
             the profiler took, for the workload launched with `--` under
             pyhawk and under austin (Debian sid's 3.7, tools/fetch-austin.sh),
             interleaved, at 100 Hz, 1 kHz and 10 kHz. A peer run that fails
             is retried up to 3 times; one that still fails is a row saying
             so, never the end of the benchmark.
  interrupts the local timer interrupts a second on the CPU of a bystander
             pinned away from the profiled busy process (/proc/interrupts,
             LOC), with no pyhawk, with per-task events and with every
             CPU's, at 1 kHz and 10 kHz: an exact count where the
             bystander's time is noisy (needs 2 CPUs or more).
  start-up   pyhawk's wall and CPU time from its exec to sampling an
             attached (-p) process (when it handles SIGINT, which it sets
             once everything is attached), and a whole `pyhawk record --
             python -c pass` above `python -c pass` alone.

One interpreter (pyenv 3.12 if present), a copy of ./pyhawk taken at start.
The full run takes ~11 minutes; --quick ~2 minutes (numbers meaningless).
"""

import collections
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench  # noqa: E402
from bench import hz, median, quartiles, workload_result  # noqa: E402
from bench_system import BenchRun, bench_setup, header, machine, output, row, table  # noqa: E402

SPIN = "while True: pass"
IDLE = "import time\nwhile True: time.sleep(1)"


class Plan:
    def __init__(self, quick):
        self.quick = quick
        self.rounds = 2 if quick else 7
        self.peer_rounds = 1 if quick else 5
        self.scale = 0.2 if quick else 1.0
        self.startups = 3 if quick else 10


def sigint_caught(pid):
    with open("/proc/%d/status" % pid) as f:
        caught = next(l for l in f if l.startswith("SigCgt:")).split()[1]
    return bool(int(caught, 16) & (1 << (signal.SIGINT - 1)))


def proc_cpu(pid):
    """user + sys seconds of a running process (all its threads)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def attach(b, pid, rate, env=None, out="attach.txt"):
    """pyhawk record -p pid, once it samples; (process, wall s to then)."""
    t0 = time.monotonic()
    p = subprocess.Popen([b.pyhawk, "record", "-p", str(pid), "-r", str(rate), "-f", "raw",
                          "-o", os.path.join(b.tmp, out)],
                         stderr=subprocess.PIPE, text=True, env=dict(os.environ, **(env or {})))
    while not sigint_caught(p.pid):
        if p.poll() is not None:
            raise RuntimeError("pyhawk -p failed:\n" + p.stderr.read())
        time.sleep(0.002)
    return p, time.monotonic() - t0


def stop(p):
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=60)


def run_workload(py, scale):
    proc = subprocess.run([py.path, bench.WORKLOAD, "cpu", str(scale)], capture_output=True,
                          text=True, timeout=600)
    bench.check(proc, "bench_workload.py cpu")
    return workload_result(proc.stdout)


def interleaved(b, pid, configs, rounds, what, measure):
    """rounds of each (name, rate, env) config in turn: measure() while
    pyhawk samples pid at rate with env (none for a rate of None). Returns
    {name: [measures]}."""
    runs = collections.OrderedDict((c[0], []) for c in configs)
    for i in range(rounds):
        for name, rate, env in configs:
            p = attach(b, pid, rate, env)[0] if rate else None
            try:
                runs[name].append(measure())
            finally:
                if p:
                    stop(p)
        b.note("%s round %d/%d" % (what, i + 1, rounds))
    return runs


def section_bystander(b, plan, py):
    busy = b.spawned.start([py.path, "-c", SPIN])
    configs = [("beside the busy process, no pyhawk", None, None)]
    configs += [("bystander, per task, %s" % hz(r), r, {}) for r in bench.RATES]
    configs += [("bystander, every CPU, %s" % hz(r), r, {"PYHAWK_PER_CPU": "1"})
                for r in bench.RATES[1:]]
    try:
        time.sleep(0.3)
        run_workload(py, plan.scale)  # warm-up
        runs = interleaved(b, busy.pid, configs, plan.rounds, "bystander",
                           lambda: run_workload(py, plan.scale)["wall"])
    finally:
        b.spawned.kill(busy)
    base = median(runs[configs[0][0]])
    q1, q3 = quartiles(runs[configs[0][0]])
    noise = (q3 - q1) / base * 100
    rows = [row(configs[0][0], "workload wall s", runs[configs[0][0]], spec="%.3f",
                note="baseline; IQR %.2f %% of the median" % noise)]
    for name, rate, env in configs[1:]:
        slow = (median(runs[name]) / base - 1) * 100
        rows.append(row(name, "workload wall s", runs[name], spec="%.3f",
                        goal="within noise" if not env else None,
                        within=(lambda m, s=slow: abs(s) <= noise) if not env else None,
                        note="slowdown %+.2f %% (noise: IQR %.2f %%)" % (slow, noise)))
    return rows


def local_timer_interrupts(cpu):
    """The local timer interrupts CPU cpu has taken since boot."""
    with open("/proc/interrupts") as f:
        ncpus = len(f.readline().split())
        for line in f:
            fields = line.split()
            if fields and fields[0] == "LOC:" and cpu < ncpus:
                return int(fields[1 + cpu])
    raise RuntimeError("no LOC line for CPU %d in /proc/interrupts" % cpu)


def section_interrupts(b, plan, py):
    """Timer interrupts a second on a bystander's CPU (CPU 1) beside a busy
    process pinned to CPU 0 that pyhawk profiles."""
    if os.cpu_count() < 2:
        return [row("bystander CPU's timer interrupts", "per s", [], note="needs 2 CPUs")]
    busy = b.spawned.start(["taskset", "-c", "0", py.path, "-c", SPIN])
    other = b.spawned.start(["taskset", "-c", "1", py.path, "-c", SPIN])
    configs = [("no pyhawk", None, None)]
    configs += [("%s, %s" % (how, hz(r)), r, env) for r in bench.RATES[1:]
                for how, env in (("per task", {}), ("every CPU", {"PYHAWK_PER_CPU": "1"}))]
    span = 1.0 if plan.quick else 3.0

    def rate_of_interrupts():
        n0, t0 = local_timer_interrupts(1), time.monotonic()
        time.sleep(span)
        return (local_timer_interrupts(1) - n0) / (time.monotonic() - t0)

    try:
        time.sleep(0.3)
        runs = interleaved(b, busy.pid, configs, plan.peer_rounds, "interrupts",
                           rate_of_interrupts)
    finally:
        b.spawned.kill(busy)
        b.spawned.kill(other)
    return [row("bystander CPU's timer interrupts, " + name, "per s", vals, spec="%.0f")
            for name, vals in runs.items()]


def peer_launch(runner, py, args, profiler, rate, note):
    """Runner.launch, a failing peer retried up to 3 times: its result, or
    the error of its last try."""
    err = None
    for attempt in range(3 if profiler == "austin" else 1):
        try:
            return runner.launch(py, args, profiler, rate)
        except RuntimeError as e:
            err = e
            note("%s at %s failed (try %d of 3): %s" % (profiler, hz(rate), attempt + 1,
                                                        str(e).splitlines()[0]))
    if profiler != "austin":
        raise err
    return {"error": str(err).splitlines()[0]}


def section_machine(b, plan, py, runner):
    """Rows of machine CPU per sample, pyhawk and austin, or a note."""
    args = ["cpu", plan.scale]
    configs = [(p, r) for r in bench.RATES for p in ("pyhawk", "austin")]
    if not bench.austin_version():
        configs = [c for c in configs if c[0] == "pyhawk"]
    alone, res = [], collections.OrderedDict((c, []) for c in configs)
    runner.launch(py, args)  # warm-up
    for i in range(plan.peer_rounds):
        r = runner.launch(py, args)
        alone.append(r["extra_cpu"] + r["proc_cpu"])
        for prof, rate in configs:
            res[(prof, rate)].append(peer_launch(runner, py, args, prof, rate, b.note))
        b.note("machine CPU round %d/%d" % (i + 1, plan.peer_rounds))
    base = median(alone)
    rows, per = [], {}
    for (prof, rate), runs in res.items():
        ok = [r for r in runs if "error" not in r and r.get("samples")]
        vals = [(r["extra_cpu"] + r["proc_cpu"] - base) / r["samples"] * 1e6 for r in ok]
        per[(prof, rate)] = median(vals) if vals else None
        failed = len(runs) - len(ok)
        note = "%d samples (median)" % median([r["samples"] for r in ok]) if ok else ""
        if failed:
            note += "; %d of %d runs failed: %s" % (
                failed, len(runs), next(r["error"] for r in runs if "error" in r))
        rows.append(row("%s, %s" % (prof, hz(rate)), "µs machine CPU per sample", vals,
                        note=note, spec="%.1f"))
    for rate in bench.RATES:
        mine, peer = per.get(("pyhawk", rate)), per.get(("austin", rate))
        if mine is not None and peer:
            rows.append(row("pyhawk / austin, %s" % hz(rate), "ratio", [mine / peer],
                            goal="≤ 0.33" if rate == 1000 else None,
                            within=(lambda m: m <= 1 / 3) if rate == 1000 else None,
                            spec="%.3f"))
    return rows


def section_startup(b, plan, py):
    idle = b.spawned.start([py.path, "-c", IDLE])
    walls, cpus = [], []
    try:
        time.sleep(0.3)
        for i in range(plan.startups):
            p, wall = attach(b, idle.pid, 100, out="startup.txt")
            cpus.append(proc_cpu(p.pid) * 1000)
            walls.append(wall * 1000)
            stop(p)
    finally:
        b.spawned.kill(idle)
    whole, alone = [], []
    for i in range(plan.startups):
        for cmd, into in (([py.path, "-c", "pass"], alone),
                          ([b.pyhawk, "record", "-f", "raw", "-o", os.path.join(b.tmp, "l.txt"),
                            "--", py.path, "-c", "pass"], whole)):
            c0, t0 = bench.children_cpu(), time.monotonic()
            subprocess.run(cmd, check=True, capture_output=True, timeout=60)
            into.append((time.monotonic() - t0, bench.children_cpu() - c0))
    ms = lambda xs, k: [x[k] * 1000 for x in xs]  # noqa: E731
    walls_l = [w - median(ms(alone, 0)) for w in ms(whole, 0)]
    cpus_l = [c - median(ms(alone, 1)) for c in ms(whole, 1)]
    goal = "≤ 150"
    return [row("-p: exec to sampling, wall", "ms", walls, goal=goal, within=lambda m: m <= 150),
            row("-p: exec to sampling, pyhawk CPU", "ms", cpus, goal=goal,
                within=lambda m: m <= 150),
            row("-- python -c pass, whole run above python alone, wall", "ms", walls_l),
            row("-- python -c pass, whole run above python alone, CPU", "ms", cpus_l)]


def main(argv):
    setup = bench_setup(argv, "bench_targeted", "pyhawk targeted-capture benchmark",
                        "pyhawk needs root")
    if setup is None:
        return 1
    args, py = setup
    plan = Plan(args.quick)
    bench.become_subreaper()
    with BenchRun("bench_targeted") as b:
        bench.PYHAWK = b.pyhawk
        data = collections.OrderedDict(quick=plan.quick, rounds=plan.rounds,
                                       machine=machine(b.pyhawk, py, []))
        data["austin"] = bench.austin_version()
        runner = bench.Runner(b.tmp)
        try:
            data["bystander"] = section_bystander(b, plan, py)
            data["interrupts"] = section_interrupts(b, plan, py)
            data["machine_cpu"] = section_machine(b, plan, py, runner)
            data["startup"] = section_startup(b, plan, py)
        finally:
            runner.close()
    b.account(data)
    L = header("pyhawk targeted captures", data, "interpreter",
               ["- austin: %s" % (data["austin"] or "not found (tools/fetch-austin.sh)")])
    for key, title in (("bystander", "Bystander: a process pyhawk does not profile"),
                       ("interrupts", "Timer interrupts on a bystander's CPU"),
                       ("machine_cpu", "Machine CPU per sample, pyhawk and austin"),
                       ("startup", "Start-up")):
        L += ["## " + title, ""] + table(data[key]) + [""]
    output("\n".join(L), data, args.json)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(128 + signal.SIGINT)
