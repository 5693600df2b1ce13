"""py-spy 0.4's command line on the pyhawk binary: each record flag is
accepted with its meaning, accepted as a documented no-op, or refused with
one line naming it; top's and dump's usage errors;
README's usage block is record --help's own text."""

import os
import re
import signal
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import EXIT, MATRIX, PYHAWK, ROOT, parse_raw, run_pyhawk, split_label, workload

PY = MATRIX[0]

# Spins for `seconds` of CPU time, not of the clock: as many samples on a
# loaded machine as on an idle one.
SPIN = """\
import time


def spin_marker(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


spin_marker(%s)
"""


def spin_script(tmp_path, seconds=1.0):
    path = tmp_path / "spin.py"
    path.write_text(SPIN % seconds)
    return str(path)


def usage_error(proc, *words):
    """Exit PH_EXIT_USAGE, one stderr line "Error: ..." holding every word,
    nothing on stdout."""
    assert proc.returncode == EXIT["PH_EXIT_USAGE"], (proc.returncode, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("Error: "), proc.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert proc.stdout == ""


def refused_before_running(tmp_path, args, *words):
    """A usage error, and the command after -- never ran: it would have
    left a file."""
    mark = tmp_path / "ran"
    out = tmp_path / "out.txt"
    proc = run_pyhawk(["record", "-o", str(out)] + args +
                      ["--", PY.path, "-c", "open(%r, 'w').close()" % str(mark)], timeout=30)
    usage_error(proc, *words)
    assert not mark.exists(), "the command ran despite the usage error"
    assert not out.exists()


def test_noop_flags_capture(tmp_path):
    out = tmp_path / "out.txt"
    proc = run_pyhawk(["record", "--nonblocking", "--hideprogress", "-r", "200", "-f", "raw",
                       "-o", str(out), "--", PY.path, spin_script(tmp_path)])
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    stacks = parse_raw(out.read_text())
    total = sum(stacks.values())
    spin = sum(c for s, c in stacks.items() if split_label(s[-1])[0] == "spin_marker")
    assert total > 50 and spin >= 0.8 * total, stacks
    # No progress bar, nor anything else: the script prints nothing either.
    assert proc.stdout == ""


@pytest.mark.parametrize("args,words", [
    (["-n"], ["--native is not supported yet", "Python frames only"]),
    (["--native"], ["--native is not supported yet"]),
    # py-spy refuses this pair; here --native is refused on its own.
    (["--nonblocking", "--native"], ["--native is not supported yet"]),
    (["-f", "chrometrace"], ["format 'chrometrace' is not supported yet"]),
    (["--format", "chrometrace"], ["format 'chrometrace' is not supported yet"]),
])
def test_refused_flags(args, words, tmp_path):
    refused_before_running(tmp_path, args, *words)


@pytest.mark.parametrize("args,words", [
    (["top"], ["nothing to profile: give -p PID, -- COMMAND or --all"]),
    (["top", "--all", "-p", "1"], ["--all profiles every Python process"]),
    (["top", "-p", "1", "--interval", "0"], ["invalid interval '0'"]),
    (["top", "-p", "1", "-o", "x.txt"], ["unknown option '-o'"]),
    (["top", "-p", "1", "stray"], ["unexpected argument 'stray'"]),
])
def test_top_usage_errors(args, words):
    usage_error(run_pyhawk(args, timeout=30), *words)


@pytest.mark.parametrize("args,words", [
    (["dump"], ["nothing to dump: give -p PID or --all"]),
    (["dump", "--all", "-p", "1"], ["--all dumps every Python process"]),
    (["dump", "-p", "1", "--idle"], ["unknown option '--idle'"]),
    (["dump", "-p", "1", "-o", "x.txt"], ["unknown option '-o'"]),
    (["dump", "-p", "1", "--", "python3"], ["unexpected argument 'python3'"]),
])
def test_dump_usage_errors(args, words):
    usage_error(run_pyhawk(args, timeout=30), *words)


def test_all_with_pid_refused(tmp_path):
    usage_error(run_pyhawk(["record", "--all", "-p", "1", "-o", str(tmp_path / "o.svg")], timeout=30),
                "--all profiles every Python process", "no -p and no command")
    assert not (tmp_path / "o.svg").exists()


def test_all_with_command_refused(tmp_path):
    refused_before_running(tmp_path, ["-a"], "--all profiles every Python process")


def test_subprocesses_alone_refused(tmp_path):
    for args in (["-s"], ["--subprocesses"], ["-s", "--all"]):
        usage_error(run_pyhawk(["record", "-o", str(tmp_path / "o.svg")] + args, timeout=30),
                    "--subprocesses needs -p PID or a command to follow")
    assert not (tmp_path / "o.svg").exists()


@pytest.mark.parametrize("args,words", [
    (["-p", "1", "-p", "2"], ["not both"]),
    (["-p", "1,0"], ["invalid PID '0'"]),
    (["-p", "1,,2"], ["invalid PID ''"]),
])
def test_pid_list_usage_errors(args, words, tmp_path):
    refused_before_running(tmp_path, args, *words)


def test_too_many_pids(tmp_path):
    pids = ",".join(str(1000 + i) for i in range(257))
    usage_error(run_pyhawk(["record", "-p", pids, "-o", str(tmp_path / "o.svg")], timeout=30),
                "too many PIDs", "256")


def start_busy():
    p = subprocess.Popen([PY.path, workload("busy.py")], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def wait_catches_sigint(p, timeout=30):
    """Until p handles SIGINT (pyhawk sets its handler once BPF is loaded and
    attached), so that Ctrl-C means "stop and write", even on a loaded
    machine where loading takes long."""
    deadline = time.time() + timeout
    while time.time() < deadline and p.poll() is None:
        with open("/proc/%d/status" % p.pid) as f:
            caught = next(l for l in f if l.startswith("SigCgt:")).split()[1]
        if int(caught, 16) & (1 << (signal.SIGINT - 1)):
            return
        time.sleep(0.05)
    pytest.fail("pyhawk did not start sampling within %d s (exit %s)" % (timeout, p.poll()))


def test_pyspy_production_command(tmp_path):
    """The py-spy article's production command, verbatim but for the
    program's name, stopped with Ctrl-C."""
    target = start_busy()
    try:
        p = subprocess.Popen([PYHAWK, "record", "--duration", "300", "--rate", "100", "-p",
                              str(target.pid), "--output", "app.svg", "--nonblocking"],
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_catches_sigint(p)
        time.sleep(2.0)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        assert p.returncode == EXIT["PH_EXIT_OK"], err
        assert out == ""
        root = ET.parse(tmp_path / "app.svg").getroot()
        total = int(root.get("data-total"))
        busy = [g for g in root.iter() if g.get("class") == "frame"
                and g.get("data-name") == "busy_loop"]
        assert busy and all(g.get("data-loc", "").startswith("busy.py:") for g in busy), \
            [g.get("data-name") for g in root.iter() if g.get("class") == "frame"]
        # 2 s of a busy CPU at 100 Hz (less on a loaded machine), nearly
        # all in busy_loop.
        assert total >= 20, total
        assert sum(int(g.get("data-n")) for g in busy) >= 0.9 * total
        assert target.poll() is None, "the target must keep running (never paused or killed)"
    finally:
        target.kill()
        target.wait()


def test_pyspy_long_flags(tmp_path):
    """py-spy's long spellings reach record: the rate, the format and file,
    function labels, thread roots and full file names."""
    out = tmp_path / "out.txt"
    script = spin_script(tmp_path, 0.5)
    proc = run_pyhawk(["record", "--rate", "250", "--duration", "unlimited", "--format", "raw",
                       "--output", str(out), "--function", "--threads", "--full-filenames", "--",
                       PY.path, script])
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert re.search(r"samples from 1 process, 1 thread in [\d.]+ s at 250 Hz", proc.stderr), \
        proc.stderr
    stacks = parse_raw(out.read_text())
    assert stacks and all(s[0].startswith("thread (") for s in stacks), stacks
    leaves = {s[-1] for s in stacks if split_label(s[-1])[0] == "spin_marker"}
    # --function: one label, the def line; --full-filenames: the whole path.
    assert leaves == {"spin_marker (%s:4)" % script}, leaves


# The markers are put together at run time: pyhawk's summary may quote the
# command line (its GC line does), and that must not count as the output.
PRINTS_MARKS = "import sys; print('MARK' + '-OUT'); print('MARK' + '-ERR', file=sys.stderr)"


def test_command_output_shown_without_capture(tmp_path):
    proc = run_pyhawk(["record", "-f", "raw", "-o", str(tmp_path / "o.txt"), "--", PY.path, "-c",
                       PRINTS_MARKS])
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert "MARK-OUT" in proc.stdout
    assert "MARK-ERR" in proc.stderr


def test_capture_hides_command_output(tmp_path):
    proc = run_pyhawk(["record", "--capture", "-f", "raw", "-o", str(tmp_path / "o.txt"), "--",
                       PY.path, "-c",
                       PRINTS_MARKS])
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert "MARK-OUT" not in proc.stdout
    assert "MARK-ERR" not in proc.stderr


def readme_usage_block():
    """The fenced block of README's "## Usage" section that starts with
    "pyhawk record"."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("\n## Usage\n", 1)[1].split("\n## ", 1)[0]
    for block in re.findall(r"^```[^\n]*\n(.*?)^```$", section, flags=re.S | re.M):
        if block.startswith("pyhawk record"):
            return block
    pytest.fail("README.md's Usage section has no block starting with 'pyhawk record'")


def help_as_readme(help_text):
    """record --help's USAGE and OPTIONS, as README shows them: without the
    headers and the help's four-space indent."""
    lines = help_text.split("\n")
    body = lines[lines.index("USAGE:") + 1:lines.index("EXAMPLES:")]
    body = [l[4:] if l.startswith("    ") else l for l in body if l != "OPTIONS:"]
    return "\n".join(body).rstrip("\n") + "\n"


def test_readme_usage_is_the_help():
    proc = run_pyhawk(["record", "--help"], timeout=30)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    want = help_as_readme(proc.stdout)
    assert "--nonblocking" in want and "--pid" in want  # the transform kept the options
    assert readme_usage_block() == want, \
        "README.md's record block must be `pyhawk record --help`'s USAGE and OPTIONS, unindented"
