#!/bin/bash
# popsim on Slurm: an array job runs the shards, a dependent job merges them.
#
#   jid=$(sbatch --parsable --array=0-7 deploy/slurm/array.sh scenarios/day.json)
#   sbatch --dependency=afterok:$jid deploy/slurm/array.sh --merge scenarios/day.json
#
# Array task i of N (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT, set by
# Slurm) runs `popsim run SCENARIO --shard i/N` and writes $PARTS/part-i.json; the merge job
# merges part-0 … part-(N−1) (N read from part-0) and writes the bundle an unsharded
# `popsim run SCENARIO --out $OUT` would have written. Submit both from the same directory (the
# shared file system's copy of the scenario and trace), so that the paths the bundle records
# are the same as a local run's. Use a new PARTS folder for each run.
#
# To redo one shard of N (a task that failed), set SHARDS=N: the task ids are then the shard
# indices themselves, whatever the array's range —
#   SHARDS=8 sbatch --array=3 deploy/slurm/array.sh scenarios/day.json
# (without SHARDS, --array=3 would be a run of 1 shard, and is refused when it would overwrite
# part-0 of another shard count). A stepped array (--array=0-7:2) needs SHARDS too.
#
# Settings, from the environment:
#   SHARD_BY  pop (default; exact) or url (exact while no POP's cache fills up)
#   SHARDS    the shard count, when the array's tasks are not 0 … N−1 of one array (see above)
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

# The shard a part file holds, as "index count by" (its "shard" line), or nothing.
shard_of() { sed -n 's/.*"shard": {"index":\([0-9]*\),"count":\([0-9]*\),"by":"\([a-z]*\)"}.*/\1 \2 \3/p' "$1" 2>/dev/null | head -1; }

if [ "${1:-}" = "--merge" ]; then
    shift
    scenario=${1:?usage: array.sh --merge SCENARIO}
    # Exactly the parts of one run: part-0 says how many there are (a part of another run left in
    # $PARTS is then not merged; a missing part is named by the merge).
    parts=("$PARTS"/part-*.json)
    if [ -f "$PARTS/part-0.json" ]; then
        read -r _ count _ <<<"$(shard_of "$PARTS/part-0.json")"
        [ -n "${count:-}" ] || { echo "array.sh: $PARTS/part-0.json has no readable \"shard\" line (not a popsim partial result?)" >&2; exit 2; }
        parts=()
        for ((i = 0; i < ${count:-0}; i++)); do parts+=("$PARTS/part-$i.json"); done
    fi
    # The parts name their scenario; --scenario checks that it is this one (same hash).
    exec "$POPSIM" merge "${parts[@]}" --scenario "$scenario" --out "$OUT" --threads "${SLURM_CPUS_PER_TASK:-1}" --quiet
fi

scenario=${1:?usage: sbatch --array=0-N-1 array.sh SCENARIO}
: "${SLURM_ARRAY_TASK_ID:?run as an array job: sbatch --array=0-7 array.sh SCENARIO}"
if [ -n "${SHARDS:-}" ]; then
    count=$SHARDS
    index=$SLURM_ARRAY_TASK_ID
else
    : "${SLURM_ARRAY_TASK_COUNT:?run as an array job: sbatch --array=0-7 array.sh SCENARIO}"
    if [ "${SLURM_ARRAY_TASK_STEP:-1}" != 1 ]; then
        echo "array.sh: the array steps by $SLURM_ARRAY_TASK_STEP, so its tasks are not shards 0 … N−1: set SHARDS=N (the task ids are then the shards)" >&2
        exit 2
    fi
    count=$SLURM_ARRAY_TASK_COUNT
    index=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}))
fi
mkdir -p "$PARTS"
part="$PARTS/part-$index.json"
if [ -f "$part" ]; then
    read -r had_index had_count had_by <<<"$(shard_of "$part")"
    if [ "${had_index:-}/${had_count:-}" != "$index/$count" ] || [ "${had_by:-}" != "$SHARD_BY" ]; then
        echo "array.sh: $part holds shard ${had_index:-?}/${had_count:-?} by ${had_by:-?}, not $index/$count by $SHARD_BY: another run's part;" \
             "use a new PARTS folder, or SHARDS=N to redo one shard of N (SHARDS=8 sbatch --array=3 …)" >&2
        exit 2
    fi
fi
exec "$POPSIM" run "$scenario" --shard "$index/$count" --shard-by "$SHARD_BY" \
    --out "$part" --threads "${SLURM_CPUS_PER_TASK:-1}" --quiet
