#!/usr/bin/env bash
# Times two builds of popsim side by side: both at once, one per core, for N rounds, and prints
# the median of B's time over A's with its quartiles.
#
#   bench/side-by-side.sh [-n ROUNDS] A B -- ARGS...
#   bench/side-by-side.sh -n 20 /tmp/before/popsim .build/release/popsim -- run /tmp/bench/run1.json --no-out --quiet --threads 1
#
# Why: a VM's pace can move by tens of percent within minutes, so runs of A and then B meet
# different stretches of it and a change of a few percent drowns. Run at the same time, on two
# cores (`taskset`), both meet the same stretch; the cores and which one starts first are cycled
# over the rounds, so neither build keeps a better core or a head start. A build against itself
# gave a median of 0.98–1.04 with quartiles about ±5 % over 20 rounds on the 2-core VM the
# README's figures come from; a change is worth believing when its quartiles are both on one
# side of 1. Both builds share the last-level cache and memory bandwidth, so this measures each
# under the other's load — fine for comparing two builds, not a figure for the README's table
# (`bench/run.sh` times each command alone). ARGS must not write the same files from both.
set -euo pipefail

rounds=20
if [ "${1:-}" = "-n" ]; then rounds=${2:-}; shift $(( $# < 2 ? $# : 2 )); fi
case $rounds in ''|*[!0-9]*|0) echo "side-by-side: -n wants a positive number of rounds, not '$rounds'" >&2; exit 2 ;; esac
if [ $# -lt 3 ] || [ "$3" != "--" ]; then
  echo "usage: bench/side-by-side.sh [-n ROUNDS] A B -- ARGS..." >&2
  exit 2
fi
a=$1 b=$2
shift 3
for x in "$a" "$b"; do
  [ -x "$x" ] || { echo "side-by-side: '$x' is not an executable file" >&2; exit 2; }
done
command -v taskset > /dev/null || { echo "side-by-side: needs taskset (util-linux) to pin each build to a core" >&2; exit 2; }
cores=$(nproc)
[ "$cores" -ge 2 ] || { echo "side-by-side: needs two cores, this machine has $cores" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/side-by-side.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Runs "$2 ARGS" on core $1; writes its milliseconds to $3, or its stderr to $3.err when it fails.
timed() {
  local start end
  start=$(date +%s%N)
  if taskset -c "$1" "$2" "${@:4}" > /dev/null 2> "$3.err"; then
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 )) > "$3"
  else
    echo "exit $?" >> "$3.err"
  fi
}

ratios=()
for r in $(seq "$rounds"); do
  rm -f "$work"/a "$work"/b
  case $(( r % 4 )) in
    1) timed 0 "$a" "$work/a" "$@" & timed 1 "$b" "$work/b" "$@" & ;;
    2) timed 1 "$b" "$work/b" "$@" & timed 0 "$a" "$work/a" "$@" & ;;
    3) timed 1 "$a" "$work/a" "$@" & timed 0 "$b" "$work/b" "$@" & ;;
    0) timed 0 "$b" "$work/b" "$@" & timed 1 "$a" "$work/a" "$@" & ;;
  esac
  wait
  for side in a b; do
    if [ ! -s "$work/$side" ]; then
      echo "side-by-side: round $r: $([ $side = a ] && echo "$a" || echo "$b") failed:" >&2
      cat "$work/$side.err" >&2
      exit 1
    fi
  done
  ta=$(cat "$work/a") tb=$(cat "$work/b")
  ratio=$(awk -v a="$ta" -v b="$tb" 'BEGIN { printf "%.3f", (a > 0 ? b / a : 1) }')
  ratios+=("$ratio")
  echo "round $r: A $ta ms  B $tb ms  B/A $ratio"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk -v n="$rounds" '
  { v[NR] = $1 }
  END {
    q1 = v[int((n + 3) / 4)]; q3 = v[n - int((n - 1) / 4)]
    printf "median B/A %s (quartiles %s–%s) over %d rounds\n", v[int((n + 1) / 2)], q1, q3, n
  }'
