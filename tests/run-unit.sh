#!/bin/sh
# run-unit.sh: runs each unit-test binary given; prints their summaries and
# one total line. Exits non-zero if any failed.
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0 status=0
for t in "$@"; do
	out=$("$t" 2>&1) || status=1
	printf '%s\n' "$out" | grep -v ': [0-9]* passed, 0 failed$' | sed 's/^/    /'
	line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed$' | tail -1)
	echo "  UNIT     $line"
	p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed$/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed$/\2/')
	[ -n "$line" ] || { f=1; status=1; echo "  UNIT     $t: no summary (crashed?)"; }
	passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && exit $status
exit 1
