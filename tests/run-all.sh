#!/bin/bash
# run-all.sh: every test of `make test`: unit tests (with ASan+UBSan),
# generated-table drift, output writers and their consumers, the
# integration tests against every Python interpreter present, then a set of
# them again inside other kernels under qemu. BPF must load:
# if it cannot, the integration tests fail loudly, they never skip.
set -u
cd "$(dirname "$0")/.." || exit 1
fail=0
total_p=0 total_f=0

count() { # adds "N passed, N failed" from the last such line of $1
	local line p f
	line=$(grep -aE '[0-9]+ passed' "$1" | tail -1)
	p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
	f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
	total_p=$((total_p + ${p:-0})); total_f=$((total_f + ${f:-0}))
}

step() { # name, command...
	local name=$1 log
	shift
	log=$(mktemp)
	echo "== $name"
	if "$@" 2>&1 | tee "$log"; [ "${PIPESTATUS[0]}" -ne 0 ]; then
		echo "== $name: FAILED"
		fail=1
		grep -qE '[0-9]+ failed' "$log" || total_f=$((total_f + 1))
	fi
	count "$log"
	rm -f "$log"
}

step "unit tests (ASan + UBSan)" make -s unit-asan
step "fuzz targets (10 s each)" make -s fuzz FUZZ_SECONDS=10
step "offsets table drift" tools/gen-offsets.sh --check
step "outputs (golden files, speedscope importer, Chromium)" tests/run-outputs.sh
step "integration (real processes, every interpreter)" \
	/usr/bin/python3 -m pytest -q -rfER -p no:cacheprovider tests/integration
step "kernel matrix (qemu: Linux 6.1, 6.12; 5.10 refused)" tests/run-kernels.sh

echo
echo "all: $total_p passed, $total_f failed"
exit $fail
