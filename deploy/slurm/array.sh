#!/bin/bash
# popsim on Slurm: an array job runs the shards, a dependent job merges them.
#
#   jid=$(sbatch --parsable --array=0-7 deploy/slurm/array.sh scenarios/day.json)
#   sbatch --dependency=afterok:$jid deploy/slurm/array.sh --merge scenarios/day.json
#
# Array task i of N (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT, set by
# Slurm) runs `popsim run SCENARIO --shard i/N` and writes $PARTS/part-i.json; the merge job
# writes the bundle an unsharded `popsim run SCENARIO --out $OUT` would have written. Submit both
# from the same directory (the shared file system's copy of the scenario and trace), so that the
# paths the bundle records are the same as a local run's. Settings, from the environment:
#   SHARD_BY  pop (default; exact) or url (exact while no POP's cache fills up)
#   PARTS     where the parts go (default parts)
#   OUT       the bundle's folder (default results)
#   POPSIM    the popsim binary (default popsim on PATH)
#SBATCH --job-name=popsim
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --output=popsim-%A_%a.log
set -euo pipefail

POPSIM=${POPSIM:-popsim}
PARTS=${PARTS:-parts}
OUT=${OUT:-results}
SHARD_BY=${SHARD_BY:-pop}

if [ "${1:-}" = "--merge" ]; then
    shift
    scenario=${1:?usage: array.sh --merge SCENARIO}
    # The parts name their scenario; --scenario checks that it is this one (same hash).
    exec "$POPSIM" merge "$PARTS"/part-*.json --scenario "$scenario" --out "$OUT" --threads "${SLURM_CPUS_PER_TASK:-1}" --quiet
fi

scenario=${1:?usage: sbatch --array=0-N-1 array.sh SCENARIO}
: "${SLURM_ARRAY_TASK_ID:?run as an array job: sbatch --array=0-7 array.sh SCENARIO}"
: "${SLURM_ARRAY_TASK_COUNT:?run as an array job: sbatch --array=0-7 array.sh SCENARIO}"
index=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}))
mkdir -p "$PARTS"
exec "$POPSIM" run "$scenario" --shard "$index/$SLURM_ARRAY_TASK_COUNT" --shard-by "$SHARD_BY" \
    --out "$PARTS/part-$index.json" --threads "${SLURM_CPUS_PER_TASK:-1}" --quiet
