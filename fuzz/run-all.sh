#!/usr/bin/env bash
# Fuzzes every target for SECONDS each, JOBS at a time (default 2), and prints one line per
# target: its status, executions and peak memory.
#
#   fuzz/run-all.sh 600            # ten minutes each
#   JOBS=1 fuzz/run-all.sh 60
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${1:?usage: fuzz/run-all.sh SECONDS}
jobs=${JOBS:-2}
targets=$(fuzz/run.sh --list)
# Build everything first, one at a time, so parallel runs do not race on the module objects.
for t in $targets; do fuzz/run.sh --build-only "$t" > /dev/null || exit 1; done
printf '%s\n' $targets | xargs -P "$jobs" -I{} sh -c 'fuzz/run.sh {} '"$seconds"' > /dev/null 2>&1; echo "{} $?"' |
    while read -r t status; do
        log=.build/fuzz/logs/$t.log
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
        rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
        printf '%-16s %s  %10s runs  peak %s MB%s\n' "$t" "$([[ $status == 0 ]] && echo ok || echo FAILED)" "$runs" "$rss" \
            "$([[ $status == 0 ]] || echo "  (see $log)")"
    done
