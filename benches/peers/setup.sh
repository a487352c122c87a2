#!/usr/bin/env bash
# Creates the Python virtual environment for the SimPy peer (target/peers-venv, ignored by git)
# and installs SimPy into it from PyPI. Run once before benches/peers/compare.py; the test suite
# never runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/peers-venv
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "simpy==4.1.1"
"$venv/bin/python" -c 'import simpy; print("simpy", simpy.__version__, "in", "'"$venv"'")'
