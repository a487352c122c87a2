#!/usr/bin/env bash
# Every output a user can get from the example scenarios, for checking that a change to the
# engine or the build leaves results byte-identical (BENCHMARKS.md, "Outputs").
#
# Usage: benches/outputs.sh BIN OUTDIR
#   runs every scenario (and validates it), replications, two comparisons, a sweep, every
#   policy's listing and schedules, and five traces with the mailsim binary BIN, writing every
#   file and every command's terminal output into OUTDIR (replaced). Build two binaries, run this
#   once with each, and compare: diff -r OUT_BEFORE OUT_AFTER
#
# The scenarios are copied into OUTDIR first, so paths inside the outputs are the same whichever
# checkout they came from. The one line expected to differ between two runs on one machine is
# `validate`'s "this machine has N GiB available", which reads the free memory of the moment.
set -u
if [ $# -ne 2 ]; then
    echo "usage: $0 BIN OUTDIR" >&2
    exit 2
fi
BIN=$(realpath "$1")
OUT=$2
REPO=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$OUT"
mkdir -p "$OUT"
cp -r "$REPO/scenarios" "$OUT/scenarios"
cd "$OUT"
for s in scenarios/*.ron; do
    n=$(basename "$s" .ron)
    "$BIN" run "$s" --out run --run-id r > "run-$n.stdout" 2> "run-$n.stderr"
    echo "rc=$?" >> "run-$n.stdout"
    "$BIN" validate "$s" > "validate-$n.stdout" 2>&1
    echo "rc=$?" >> "validate-$n.stdout"
done
"$BIN" run scenarios/fope-outage.ron --replications 4 --out reps --run-id r > reps.stdout 2>&1
"$BIN" compare scenarios/policy-shootout.ron --replications 3 --out cmp --run-id r > cmp.stdout 2>&1
"$BIN" compare scenarios/o365-incident-shootout.ron --policy postfix --policy exim \
    --replications 2 --out cmp2 --run-id r > cmp2.stdout 2>&1
"$BIN" sweep scenarios/policy-shootout.ron --set 'senders[0].ips[0].count=1..6:1' \
    --target "all_done_s <= 6h" --replications 2 --out sweep --run-id r > sweep.stdout 2>&1
"$BIN" policies > policies.stdout 2>&1
for p in fixed exponential offsets fope exchange-online exchange-server postfix exim sendmail \
    kumomta kumomta-office365 powermta rfc5321 adaptive; do
    "$BIN" policies "$p" > "policies-$p.stdout" 2>&1
    "$BIN" schedule "$p" --format csv > "schedule-$p.csv" 2>&1
    "$BIN" schedule "$p" > "schedule-$p.txt" 2>&1
    "$BIN" schedule "$p" --format json --seed 7 --reply connect-refused > "schedule-$p.json" 2>&1
done
"$BIN" trace scenarios/o365-antispam-incident.ron --first-deferred > trace1.stdout 2>&1
"$BIN" trace scenarios/greylisting.ron --to smallbiz > trace2.stdout 2>&1
"$BIN" trace scenarios/o365-server-busy.ron --message 2197 > trace3.stdout 2>&1
"$BIN" trace scenarios/dns-spf-temperror.ron --events events.jsonl > trace4.stdout 2>&1
"$BIN" trace scenarios/policy-shootout.ron --first-deferred > trace5.stdout 2>&1
echo "$(find . -type f | wc -l) files in $OUT"
