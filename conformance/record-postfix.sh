#!/bin/bash
# Re-record the postfix experiments against the scripted sink (run as root, needs Debian's packages):
#   conformance/record-postfix.sh                 # all experiments in conformance/experiments/
#   conformance/record-postfix.sh e1-rcpt451-2m   # one of them
# Installs the MTA if missing, listens and connects on 127.0.0.1 only, cleans up on any exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v python3 >/dev/null; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3
fi
trap 'python3 "$here/record.py" --mta postfix --cleanup' EXIT
# hard bound for the whole set (each experiment also has its own bound_s)
timeout -k 30 5400 python3 "$here/record.py" --mta postfix "$@"
