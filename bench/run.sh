#!/usr/bin/env bash
# `make bench`: set up bench/.venv with the pinned peers, build the stance release binary, then
# run the driver (bench/bench.py; its docstring lists the BENCH_* variables). Re-runnable: the
# virtualenv is reinstalled only when bench/requirements.txt changes, and the synthetic corpus is
# generated once per (rows, seed) under target/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=bench/.venv
python=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
want=$(sha256sum bench/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r bench/requirements.txt
    echo "$want" > "$stamp"
fi
if [ "${1:-}" = "--venv-only" ]; then
    exit 0
fi
${CARGO:-cargo} build --release --locked -p stance-cli
# Starts each measured step, so its peak RSS is its own (see the comment in runstep.c).
mkdir -p target/bench
if [ ! -x target/bench/runstep ] || [ bench/runstep.c -nt target/bench/runstep ]; then
    ${CC:-cc} -O2 -Wall -Wextra -o target/bench/runstep bench/runstep.c
fi
# The driver's own tests (scoring, corpus determinism, flag detection) first.
"$venv/bin/python" -m unittest discover -s bench -p 'test_*.py' 2>&1 | tail -n 1
exec "$venv/bin/python" bench/bench.py "$@"
