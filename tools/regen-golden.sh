#!/bin/sh
# regen-golden.sh: rewrites tests/golden/ from the current writers, on purpose. Review `git diff tests/golden`
# (and look at the SVG in a browser) before committing: the tests compare against these byte for byte.
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp -d "${TMPDIR:-/tmp}/pyhawk-golden.XXXXXX")
trap 'rm -rf "$out"' EXIT
mkdir -p tests/golden
${CC:-gcc} -std=gnu11 -g -O2 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -Iuser -Ibpf -Itests/unit \
	tests/unit/test_output.c user/profile.c user/profile_view.c user/output.c user/output_raw.c \
	user/output_speedscope.c user/output_flamegraph.c user/flamecolour.c user/rawread.c user/jsonout.c \
	user/grow.c user/output_pprof.c user/protobuf.c user/hashmap.c user/output_pstats.c user/output_lines.c \
	user/callcounts.c user/profile_funcs.c user/pymarshal.c user/sources.c -lz -lm -o "$out/test_output"
# --regen writes the golden files instead of comparing; every other check still runs.
"$out/test_output" --regen
git --no-pager diff --stat -- tests/golden 2>/dev/null || true
