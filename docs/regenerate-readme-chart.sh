#!/usr/bin/env bash
# Regenerates the charts shown in the README: docs/images/fope-outage-queue-depth.png (the
# example at the top) and the scenario gallery, docs/images/gallery/<scenario>.png, one chart
# per file in scenarios/ (the chart named below for it; queue depth by default). Each scenario
# is run with --png and the chart copied. Scenarios are seeded, so the same mailsim gives the
# same images byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# MAILSIM_BIN names another mailsim binary (a debug build gives the same images, slower).
if [ -z "${MAILSIM_BIN:-}" ]; then
    cargo build --quiet --release
    MAILSIM_BIN=target/release/mailsim
fi
mailsim="$MAILSIM_BIN"

chart_for() {
    case "$1" in
        daily-mix | dns-spf-temperror) echo deferrals-by-reason ;;
        greylisting) echo latency-cdf ;;
        capacity-planning) echo receiver-load ;;
        o365-permanent-failures) echo receiver-load ;;
        *) echo queue-depth ;;
    esac
}

mkdir -p docs/images/gallery
for file in scenarios/*.ron; do
    name="$(basename "$file" .ron)"
    "$mailsim" run "$file" --png --quiet --out "$out" --run-id readme > /dev/null
    cp "$out/$name/readme/$(chart_for "$name").png" "docs/images/gallery/$name.png"
    echo "wrote docs/images/gallery/$name.png"
done
cp "$out/fope-outage/readme/queue-depth.png" docs/images/fope-outage-queue-depth.png
echo "wrote docs/images/fope-outage-queue-depth.png"
