#!/usr/bin/env bash
# Moves a sample of what a fuzzer found into the committed regression corpus: merges
# .build/fuzz/work/TARGET/ down to the inputs that add coverage (libFuzzer -merge=1), keeps those
# under 2 KB, and copies up to N of them (default 40, spread over their sizes) to fuzz/corpus/TARGET/ as
# found-<sha1>. Run after fuzz/run.sh TARGET; commit what it adds.
#
#   fuzz/keep.sh csv-trace 40
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target=${1:?usage: fuzz/keep.sh TARGET [N]}
keep=${2:-40}
binary=.build/fuzz/bin/$target
[[ -x $binary ]] || { echo "fuzz/keep.sh: build it first (fuzz/run.sh --build-only $target)" >&2; exit 2; }
merged=$(mktemp -d "${TMPDIR:-/tmp}/popsim-keep.XXXXXX")
scratch=$(mktemp -d "${TMPDIR:-/tmp}/popsim-keep-scratch.XXXXXX")
trap 'rm -rf "$merged" "$scratch"' EXIT
POPSIM_FUZZ_SCRATCH=$scratch ASAN_OPTIONS=detect_leaks=0 "$binary" -merge=1 -timeout=10 "$merged" .build/fuzz/work/"$target" > /dev/null 2>&1
# Spread over the sizes: every k-th of the inputs under 2 KB, smallest to largest.
mapfile -t small < <(find "$merged" -type f -size -2k -printf '%s %p\n' | sort -n | cut -d' ' -f2-)
step=$(( (${#small[@]} + keep - 1) / keep )); [[ $step -ge 1 ]] || step=1
added=0
for ((i = 0; i < ${#small[@]} && added < keep; i += step)); do
    file=${small[$i]}
    name=found-$(sha1sum "$file" | cut -c1-12)
    [[ -e fuzz/corpus/$target/$name ]] && continue
    cp "$file" fuzz/corpus/"$target"/"$name"
    added=$((added + 1))
done
echo "fuzz/keep.sh: $target: $(ls "$merged" | wc -l) input(s) cover what the fuzzer found; added $added to fuzz/corpus/$target/"
