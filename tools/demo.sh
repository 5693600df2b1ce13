#!/bin/sh
# demo.sh: profile the bundled example (examples/demo_app.py) for a few
# seconds and write profile.svg (interactive flame graph) and profile.txt
# (collapsed stacks).
set -eu
cd "$(dirname "$0")/.."
PY=${PYTHON_DEMO:-/usr/bin/python3}
./pyhawk record -r 250 -o profile.svg -- "$PY" examples/demo_app.py 4
./pyhawk record -r 250 -o profile.txt -- "$PY" examples/demo_app.py 2
echo
echo "Open profile.svg in a browser (hover, click to zoom, search); top stacks:"
awk '{ n = $NF; $NF = ""; print n "\t" $0 }' profile.txt | sort -nr | head -5 | cut -c1-200
