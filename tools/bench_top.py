#!/usr/bin/env python3
"""bench_top.py: the cost of `pyhawk top --all`, run by `make bench` after
bench_idle.py. It measures, it does not assert: the numbers go to the README
with the date and the machine.

    python3 tools/bench_top.py [--quick] [--json FILE] [--python LABEL]

top keeps a table of every function (and line) of every process and
redraws it every interval; on a host of idle Python processes that work,
not sampling, is its cost. Rows, for `pyhawk top --all` as a user runs it
(100 Hz, a block every 1 s, stdout to /dev/null: plain blocks, no screen),
on the host as it is (its own Python processes, counted in the header), then
with 200 more Pythons asleep in time.sleep (all started, each printed
"ready", before pyhawk starts):
  cpu        pyhawk's CPU in % of one core, steady state: the sum of its
             threads' run time (/proc/PID/task/*/schedstat) at T1 and T2
             after its start (bench_idle.py's cpu_window); goal < 1 %.
  start-up   CPU at T1 minus T1 x the steady rate: BPF load, discovery.
  record     the same window of `record --all -r 100`, for comparison: what
             the table and its blocks add to sampling.
The perf_event sampler's BPF runs in the context of the task it interrupts,
so it is charged to that task, not to pyhawk: idle processes are seldom
sampled anyway. Each row: 3 runs (1 with --quick), a fresh pyhawk each;
medians and min - max. One interpreter (pyenv 3.12 if present), a copy of
./pyhawk taken at start. The full run takes ~3 minutes; --quick ~30 s
(numbers meaningless).
"""

import collections
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_idle import cpu_window  # noqa: E402
from bench_system import (IDLE_CODE, BenchRun, bench_setup, header, machine,  # noqa: E402
                          median, output, row, start_ready, table)


class Plan:
    """How much to run: the full benchmark or the --quick smoke test."""

    def __init__(self, quick):
        self.quick = quick
        self.rounds = 1 if quick else 3
        self.idle = 200                               # idle Pythons, second condition
        self.window = (2, 4) if quick else (3, 13)    # T1, T2: s after pyhawk's start


def commands(ctx):
    """(name, command line) of each pyhawk measured: top, then record."""
    secs = str(ctx.plan.window[1] + 1)
    return [("top", [ctx.pyhawk, "top", "--all", "--interval", "1", "-d", secs]),
            ("record", [ctx.pyhawk, "record", "--all", "-r", "100", "-d", secs, "-f", "raw",
                        "-o", os.path.join(ctx.tmp, "out.raw")])]


def bench_condition(ctx, what):
    """Rows for one state of the host: top's CPU, start-up, record's CPU."""
    plan = ctx.plan
    runs = collections.defaultdict(list)
    for i in range(plan.rounds):
        for name, cmd in commands(ctx):
            runs[name].append(cpu_window(ctx, cmd, "pyhawk %s --all" % name))
            ctx.note("%s, %s: %.2f %% steady, %.2f s start-up (run %d/%d)"
                     % (name, what, runs[name][-1]["steady_pct"], runs[name][-1]["startup_s"],
                        i + 1, plan.rounds))
    t1, t2 = plan.window
    top, rec = runs["top"], runs["record"]
    extra = median([a["steady_pct"] - b["steady_pct"] for a, b in zip(top, rec)])
    rows = [
        row("pyhawk CPU, steady state (T%g–T%g s), `top --all` (100 Hz, 1 s blocks to "
            "/dev/null), %s" % (t1, t2, what), "% of a core", [c["steady_pct"] for c in top],
            "< 1 %", lambda v: v < 1.0,
            "%+.2f points over `record --all` in the same run (median of pairs)" % extra,
            spec="%.2f"),
        row("  start-up CPU: CPU at T%g s - T%g x the steady rate" % (t1, t1), "s",
            [c["startup_s"] for c in top], spec="%.2f"),
        row("  for comparison: `record --all -r 100`, same window", "% of a core",
            [c["steady_pct"] for c in rec], spec="%.2f"),
    ]
    rows[0]["raw"] = dict(runs)
    return rows


def run(ctx):
    rows = bench_condition(ctx, "the host's own Pythons (%d at start)"
                           % ctx.machine["other_pythons_at_start"])
    ctx.note("starting %d idle Pythons" % ctx.plan.idle)
    pool = start_ready(ctx.spawned, ctx.py, IDLE_CODE, ctx.plan.idle)
    try:
        rows += bench_condition(ctx, "+ %d idle Pythons" % ctx.plan.idle)
    finally:
        for p in pool:
            ctx.spawned.kill(p)
    return rows


def render(data):
    L = header("pyhawk top --all benchmark", data, "interpreter (idle processes)")
    L += table(data["rows"])
    L += ["",
          "Method: a fresh `pyhawk top --all --interval 1 -d T2+1 > /dev/null` per run (not a "
          "terminal: a plain block every second), then `record --all` the same way. CPU: the "
          "sum of pyhawk's threads' run time (/proc/PID/task/*/schedstat) at T1 and T2 after "
          "its start. The BPF sampler's time is charged to the tasks it interrupts, not to "
          "pyhawk."]
    return "\n".join(L) + "\n"


class Context:
    def __init__(self, plan, spawned, pyhawk, tmp, py, machine, note):
        self.plan, self.spawned, self.pyhawk, self.tmp = plan, spawned, pyhawk, tmp
        self.py, self.machine, self.note = py, machine, note


def main(argv):
    setup = bench_setup(argv, "bench_top", "pyhawk top --all benchmark", "pyhawk --all needs root")
    if setup is None:
        return 1
    args, py = setup
    plan = Plan(args.quick)
    with BenchRun("bench_top") as b:
        data = collections.OrderedDict(quick=plan.quick, rounds=plan.rounds,
                                       machine=machine(b.pyhawk, py, []))
        data["rows"] = run(Context(plan, b.spawned, b.pyhawk, b.tmp, py, data["machine"],
                                   b.note))
    b.account(data)
    output(render(data), data, args.json)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(128 + signal.SIGINT)
