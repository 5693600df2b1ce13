"""The output file as users get it: default name, format from the
extension, no overwriting of non-regular files, ownership under sudo, and
names with special characters intact in every format."""

import json
import os
import subprocess
import xml.etree.ElementTree as ET

from conftest import EXIT, matrix_params, parse_raw, run_pyhawk, split_label, workload

ODD = workload("odd & 'dir'/mödule.py")


def newest_py():
    return matrix_params()[-1].values[0]


def test_default_name_and_format(tmp_path):
    py = newest_py()
    proc = run_pyhawk(["record", "--", py.path, workload("busy.py"), "0.5"], cwd=tmp_path)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    files = os.listdir(tmp_path)
    assert len(files) == 1 and files[0].startswith("pyhawk-busy-") and files[0].endswith(".svg"), files
    assert "wrote %s" % files[0] in proc.stderr
    ET.parse(tmp_path / files[0])  # a well-formed SVG


def test_format_from_extension(tmp_path):
    py = newest_py()
    for name, check in (("p.json", lambda t: json.loads(t)["$schema"]),
                        ("p.txt", lambda t: parse_raw(t)),
                        ("p.svg", lambda t: ET.fromstring(t.encode()))):
        out = tmp_path / name
        proc = run_pyhawk(["record", "-o", str(out), "--", py.path, workload("busy.py"), "0.3"])
        assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
        assert check(out.read_text(encoding="utf-8")), name


def test_owned_by_sudo_user(tmp_path):
    py = newest_py()
    out = tmp_path / "p.svg"
    env = dict(os.environ, SUDO_UID="65534", SUDO_GID="65534")
    proc = run_pyhawk(["record", "-o", str(out), "--", py.path, workload("busy.py"), "0.3"], env=env)
    assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr
    st = os.stat(out)
    assert (st.st_uid, st.st_gid) == (65534, 65534)


def test_special_characters_survive_every_format(tmp_path):
    py = newest_py()
    if py.minor >= (3, 11):  # qualnames
        want_names = {"fünf", "fünf.<locals>.<lambda>", "<module>", "Q.関数"}
    else:
        want_names = {"fünf", "<lambda>", "<module>", "関数"}
    raw, js, svg = tmp_path / "p.txt", tmp_path / "p.json", tmp_path / "p.svg"
    for out in (raw, js, svg):
        proc = run_pyhawk(["record", "--full-filenames", "-r", "200", "-o", str(out), "--", py.path,
                           ODD])
        assert proc.returncode == EXIT["PH_EXIT_OK"], proc.stderr

    labels = {f for s in parse_raw(raw.read_text(encoding="utf-8")) for f in s}
    names = {split_label(l)[0] for l in labels if split_label(l)[1] == ODD}
    assert want_names <= names, names

    doc = json.loads(js.read_text(encoding="utf-8"))
    frames = doc["shared"]["frames"]
    assert want_names <= {f["name"] for f in frames if f.get("file") == ODD}, frames

    # The SVG keeps each frame's name and file:line in data attributes (and
    # the label in its text); the XML parser undoes the escaping.
    root = ET.parse(svg).getroot()
    frames = [g for g in root.iter() if g.get("class") == "frame"]
    assert want_names <= {g.get("data-name") for g in frames}, [g.get("data-name") for g in frames]
    assert any(g.get("data-loc", "").startswith(ODD + ":") for g in frames)
