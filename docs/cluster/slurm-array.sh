#!/usr/bin/env bash
# One mailsim study split over a Slurm job array: each array task runs its part of the
# replications (--shard auto reads SLURM_ARRAY_TASK_ID and the array's size), and a job that
# waits for the whole array merges the parts into exactly the bytes of the unsplit run.
#
#   bash docs/cluster/slurm-array.sh     # on the login node: submits the array, then the merge
#
# Each part is written to $OUT/<scenario name>/replications-seed-<seed>-shard-<k>-of-<n>/.
# The array may start anywhere and step (--array=1-8, --array=0-14:2); a list of ids
# (--array=1,4,9) is refused, because a task's place in it is unknown.
#
#SBATCH --job-name=mailsim-parts
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --time=01:00:00
#SBATCH --output=mailsim-%A_%a.log
set -euo pipefail

SCENARIO=${SCENARIO:-scenarios/policy-shootout.ron}
REPLICATIONS=${REPLICATIONS:-40}
OUT=${OUT:-output}

if [[ "${1:-}" == merge ]]; then
    # The merge job: every part of this scenario's replications study, into one folder.
    name=$(mailsim validate "$SCENARIO" | sed -n '1s/^scenario \([^ ]*\) .*/\1/p')
    mailsim merge "$OUT/$name"/replications-seed-*-shard-*-of-* --out "$OUT" --run-id merged
    exit 0
fi

if [[ -z "${SLURM_ARRAY_TASK_ID:-}" ]]; then
    # Run by hand (not inside the array): submit the array, and a merge that runs once every
    # task has succeeded.
    array=$(sbatch --parsable "$0")
    sbatch --dependency="afterok:${array}" --job-name=mailsim-merge --output=mailsim-merge.log \
        --wrap="$(printf '%q ' "$0" merge)"
    exit 0
fi

mailsim run "$SCENARIO" --replications "$REPLICATIONS" --jobs "${SLURM_CPUS_PER_TASK:-1}" \
    --shard auto --out "$OUT" --quiet
