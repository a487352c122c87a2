#!/usr/bin/env bash
# Regenerates the chart shown in the README, docs/images/fope-outage-queue-depth.png, by running
# the example scenario scenarios/fope-outage.ron with --png and copying its queue depth chart.
# The scenario is seeded, so the same mailsim gives the same image byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cargo run --quiet -- run scenarios/fope-outage.ron --png --quiet --out "$out" --run-id readme
mkdir -p docs/images
cp "$out/fope-outage/readme/queue-depth.png" docs/images/fope-outage-queue-depth.png
echo "wrote docs/images/fope-outage-queue-depth.png"
