"""The profile's file, whole or not at all: written to a temporary file
beside it and renamed into place, so a full disk leaves an old profile as
it was and no partial one (with the real cause: "No space left on
device"); nothing is created before the target is known; a closed stdout
cannot become the profile; /dev/null takes a profile; `-o --` is a usage
error, not a file named "--"."""

import os
import stat
import subprocess

import pytest

from conftest import EXIT, PYHAWK, check_error, matrix_params, parse_raw, run_pyhawk, unused_pid

SHORT = ["-c", "import time\nend = time.time() + 0.5\nwhile time.time() < end: pass\n"]


def py():
    return next(p for p in matrix_params()).values[0]


def leftovers(directory, name):
    """Temporary files of name left in directory (.NAME.XXXXXX)."""
    return [f for f in os.listdir(directory) if f.startswith("." + name + ".")]


@pytest.fixture
def tiny_fs(tmp_path):
    """A 64 KiB tmpfs: a flame graph does not fit once it is mostly full."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    assert r.returncode == 0, "cannot mount a tmpfs (root needed): " + r.stderr
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)])


def test_full_disk_leaves_the_old_profile(tiny_fs):
    old = tiny_fs / "p.svg"
    old.write_text("the profile of yesterday\n")
    os.chmod(old, 0o640)
    (tiny_fs / "fill").write_bytes(b"\0" * (52 * 1024))
    proc = run_pyhawk(["record", "-q", "-o", str(old), "--", py().path] + SHORT, timeout=60)
    check_error(proc, "PH_EXIT_OUTPUT", str(old), "No space left on device")
    assert old.read_text() == "the profile of yesterday\n"
    assert leftovers(tiny_fs, "p.svg") == []
    # Room again: the profile replaces the old one, which keeps its mode.
    (tiny_fs / "fill").unlink()
    proc = run_pyhawk(["record", "-q", "-o", str(old), "--", py().path] + SHORT, timeout=60)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert old.read_text().startswith("<?xml")
    assert stat.S_IMODE(os.stat(old).st_mode) == 0o640
    assert leftovers(tiny_fs, "p.svg") == []


def test_nothing_created_for_a_refused_target(tmp_path):
    out = tmp_path / "o.svg"
    proc = run_pyhawk(["record", "-p", str(unused_pid()), "-o", str(out)])
    assert proc.returncode == EXIT["PH_EXIT_NO_PROCESS"], proc.stderr
    assert os.listdir(tmp_path) == []


def test_closed_stdout(tmp_path):
    # With fd 1 closed, the output file must not take its place: the
    # command (which inherits it) prints into it.
    out = tmp_path / "o.txt"
    printing = ["-c", "print('not a stack 1', flush=True)\n" + SHORT[1]]
    proc = subprocess.run([PYHAWK, "record", "-f", "raw", "-o", str(out), "--", py().path] + printing,
                          stderr=subprocess.PIPE, text=True, timeout=60,
                          preexec_fn=lambda: os.close(1))
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert "not a stack" not in out.read_text()
    stacks = parse_raw(out.read_text())
    assert sum(stacks.values()) > 10, stacks


def test_dev_null(tmp_path):
    proc = run_pyhawk(["record", "-o", "/dev/null", "--", py().path] + SHORT, timeout=60)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    assert "wrote /dev/null" in proc.stderr
    assert os.path.exists("/dev/null") and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_named_dashdash_is_a_usage_error(tmp_path):
    proc = run_pyhawk(["record", "-o", "--", "--", py().path] + SHORT, cwd=tmp_path)
    check_error(proc, "PH_EXIT_USAGE", "-o needs a file name")
    assert os.listdir(tmp_path) == []


def test_directory_is_refused(tmp_path):
    proc = run_pyhawk(["record", "-o", str(tmp_path), "--", py().path] + SHORT, timeout=60)
    check_error(proc, "PH_EXIT_OUTPUT", str(tmp_path), "not a regular file")
    assert os.listdir(tmp_path) == []
