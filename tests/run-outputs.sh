#!/usr/bin/env bash
# run-outputs.sh: the outputs' tests: C unit test and golden files (also under ASan/UBSan), XML/JSON validity,
# speedscope's own importer, the SVG in headless Chromium, pprof files read by Go's pprof and the npm pprof-format
# decoder. Ends with "N passed, N failed" (the checks of every part added up) and exits non-zero on any failure.
# Needs tools/install-deps.sh (chromium, golang-go, node, npm ci) first.
set -u
cd "$(dirname "$0")/.."

CC=${CC:-gcc}
PYTHON=${PYTHON:-/usr/bin/python3}
CFLAGS="-std=gnu11 -g -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -Iuser -Ibpf -Itests/unit"
SRCS="tests/unit/test_output.c user/profile.c user/profile_view.c user/output.c user/output_raw.c
user/output_speedscope.c user/output_flamegraph.c user/flamecolour.c user/rawread.c user/jsonout.c
user/grow.c user/output_pprof.c user/protobuf.c user/hashmap.c user/output_pstats.c user/output_lines.c
user/callcounts.c user/profile_funcs.c user/pymarshal.c user/sources.c"
work=$(mktemp -d "${TMPDIR:-/tmp}/pyhawk-outputs.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p tests/artifacts
passed=0
failed=0

# run NAME CMD...: runs one part and adds up the "N passed, N failed" it ends
# with; a part that fails without saying so (a crash, a build error) counts
# as one failure.
run() {
	local name=$1 line p f rc
	shift
	echo "== $name"
	"$@" 2>&1 | tee "$work/out"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed$' "$work/out" | tail -n 1)
	p=$(sed -nE 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed$/\2/p' <<<"$line")
	f=$(sed -nE 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed$/\3/p' <<<"$line")
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $name exited with status $rc"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

build() {
	# shellcheck disable=SC2086
	$CC $CFLAGS "$@" $SRCS -lz -lm && echo "build: 1 passed, 0 failed"
}

# A comma-decimal locale for the test that numbers ignore the caller's locale.
mkdir -p "$work/locale"
localedef -i de_DE -f UTF-8 "$work/locale/de_DE.UTF-8" >/dev/null 2>&1 && export LOCPATH="$work/locale"

run "build" build -O2 -o "$work/test_output"
run "unit + golden files" "$work/test_output"
run "build (ASan + UBSan)" build -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all -o "$work/test_output_san"
run "unit + golden files (ASan + UBSan)" "$work/test_output_san"
run "10,000 and 100,000 distinct frames" sh -c "'$work/test_output' --big 10000 tests/artifacts/big-10k.svg &&
	'$work/test_output' --big 100000 tests/artifacts/big-100k.svg"

validate() {
	"$PYTHON" - "$@" <<'PY'
# Well-formed XML with the frames it declares; JSON that parses and holds together; raw grammar;
# pstats files that pstats loads and whose numbers hold together; the lines report's rows.
import io, json, marshal, pstats, re, sys, xml.etree.ElementTree as ET

ok = bad = 0
def check(cond, what):
    global ok, bad
    if cond:
        ok += 1
    else:
        bad += 1
        print("FAIL:", what)

SVG = "{http://www.w3.org/2000/svg}"
for path in sys.argv[1:]:
    try:
        if path.endswith(".svg"):
            root = ET.parse(path).getroot()
            frames = [g for g in root.iter(SVG + "g") if "frame" in g.get("class", "").split()]
            check(len(frames) == int(root.get("data-frames")), f"{path}: frames = data-frames")
            check(all(g.find(SVG + "rect") is not None and g.find(SVG + "text") is not None
                      for g in frames), f"{path}: each frame has a rect and a text")
            check(root.find(f".//{{http://www.w3.org/1999/xhtml}}input[@id='search-input']") is not None,
                  f"{path}: search field")
        elif path.endswith(".json"):
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            nframes = len(doc["shared"]["frames"])
            check(doc["$schema"] == "https://www.speedscope.app/file-format-schema.json", f"{path}: $schema")
            check(doc["exporter"] == "pyhawk" and 0 <= doc["activeProfileIndex"] < len(doc["profiles"]),
                  f"{path}: exporter, activeProfileIndex")
            for p in doc["profiles"]:
                check(p["type"] == "sampled" and len(p["samples"]) == len(p["weights"]),
                      f"{path}: {p['name']}: sampled, one weight per sample")
                check(all(0 <= i < nframes for s in p["samples"] for i in s), f"{path}: frame indexes")
                check(abs(sum(p["weights"]) - (p["endValue"] - p["startValue"])) <= 1e-9 * max(1, p["endValue"]),
                      f"{path}: {p['name']}: weights add up to endValue")
        elif path.endswith(".pstats"):
            # cProfile's dict, as pstats (and snakeviz, through calc_callees) reads it.
            with open(path, "rb") as f:
                stats = marshal.load(f)
            st = pstats.Stats(path, stream=io.StringIO())
            st.sort_stats("tottime").print_stats()
            st.print_callers()
            st.print_callees()
            check(abs(st.total_tt - sum(v[2] for v in stats.values())) < 1e-9, f"{path}: total time")
            for key, (cc, nc, tt, ct, callers) in stats.items():
                what = f"{path}: {key}"
                check(len(key) == 3 and isinstance(key[0], str) and isinstance(key[1], int)
                      and isinstance(key[2], str) and (key[0] != "~" or key[1] == 0), f"{what}: key")
                check(0 < cc <= nc and 0 <= tt <= ct + 1e-9, f"{what}: cc <= nc, tt <= ct")
                # Each frame has at most one caller: the callers' shares fit in the function's.
                check(sum(v[0] for v in callers.values()) <= nc
                      and sum(v[2] for v in callers.values()) <= tt + 1e-9
                      and all(len(v) == 4 and 0 < v[1] <= v[0] and v[3] <= ct + 1e-9
                              for v in callers.values()), f"{what}: callers")
                check(all(c in stats for c in callers), f"{what}: callers are functions")
        elif path.endswith(".lines"):
            # The lines report: UTF-8 without control characters but tabs; each
            # function's rows "line [samples % total % func] [source]" under its header.
            with open(path, encoding="utf-8") as f:
                text = f.read()
            check(not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text), f"{path}: control characters")
            blocks = text.split("\n  Line   Samples  % total  % func  Source\n")[1:]
            check(len(blocks) == text.count("\nFunction: "), f"{path}: a table per function")
            for b in blocks:
                rows = b.split("\n\n")[0].split("\n")
                check(all(re.fullmatch(r" *(\d+|\?)( +\d+ +\d+\.\d +\d+\.\d)?(  .*)?|   \.\.\.", r)
                          for r in rows if r), f"{path}: rows")
        else:
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
            check(lines[-1] == "" and all(re.fullmatch(r"[^;\n]+(;[^;\n]+)* [1-9][0-9]*", l) for l in lines[:-1]),
                  f"{path}: every line is 'frame;...;frame count'")
            check(lines[:-1] == sorted(lines[:-1], key=lambda l: l.rsplit(" ", 1)[0].encode()),
                  f"{path}: sorted")
    except Exception as e:  # a file that does not even parse
        check(False, f"{path}: {e!r}")
print(f"validity: {ok} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY
}
run "XML / JSON / raw / pstats / lines validity" validate tests/golden/*.svg tests/golden/*.json tests/golden/*.txt \
	tests/golden/*.pstats tests/golden/*.lines \
	tests/artifacts/big-10k.svg tests/artifacts/big-100k.svg

if [ -d tests/js/node_modules/speedscope ] && [ -d tests/js/node_modules/playwright-core ] &&
	[ -d tests/js/node_modules/pprof-format ]; then
	run "speedscope's importer" node tests/js/speedscope-import.mjs
	run "SVG in Chromium" node tests/js/svg-browser.mjs
	run "pprof-format (npm) decoder" node tests/js/pprof-decode.mjs
else
	echo "FAIL: tests/js/node_modules is missing: run tools/install-deps.sh (npm ci in tests/js)"
	failed=$((failed + 1))
fi

if command -v go >/dev/null; then
	run "go tool pprof" "$PYTHON" tests/pprof_go.py
else
	echo "FAIL: go is missing: run tools/install-deps.sh (apt-get install golang-go)"
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
