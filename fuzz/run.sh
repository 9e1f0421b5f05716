#!/usr/bin/env bash
# Builds one libFuzzer target and fuzzes it for SECONDS.
#
#   fuzz/run.sh TARGET SECONDS [libFuzzer flags…]     e.g. fuzz/run.sh csv-trace 600
#   fuzz/run.sh --build-only TARGET
#   fuzz/run.sh --list
#
# Linux only (libFuzzer ships with the Swift toolchain there). The library modules the target
# needs (HTTPModel, Workload, Simulation, Scenario, then fuzz/Harness as FuzzHarness) are
# compiled with `swiftc -sanitize=fuzzer,address` — coverage instrumentation and AddressSanitizer
# — into .build/fuzz/, one object per module, rebuilt when a source is newer; the target's
# entry point fuzz/targets/TARGET.swift is linked against them. (SwiftPM cannot do this itself:
# `-sanitize=fuzzer` would give the popsim executable a second main.)
#
# The fuzzer starts from fuzz/corpus/TARGET/ (the committed regression corpus) and seeds taken
# from the shipped scenarios, traces and logs; what it learns goes to .build/fuzz/work/TARGET/,
# crashes, timeouts and out-of-memory inputs to .build/fuzz/artifacts/TARGET/. The last line of
# .build/fuzz/logs/TARGET.log says how many inputs ran.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=.build/fuzz
targets=$(ls fuzz/targets | sed 's/\.swift$//')

if [[ ${1:-} == --list ]]; then echo "$targets"; exit 0; fi
build_only=0
if [[ ${1:-} == --build-only ]]; then build_only=1; shift; fi
target=${1:?usage: fuzz/run.sh TARGET SECONDS [libFuzzer flags…] (targets: $(echo $targets))}
[[ -f fuzz/targets/$target.swift ]] || { echo "fuzz/run.sh: no target '$target' (targets: $(echo $targets))" >&2; exit 2; }
if [[ $build_only == 0 ]]; then
    seconds=${2:?usage: fuzz/run.sh TARGET SECONDS}
    shift 2
fi

mkdir -p "$out/modules" "$out/objects" "$out/bin" "$out/logs"
# One build at a time: run-all.sh starts targets in parallel, and they share the module objects.
exec 9> "$out/build.lock"
flock 9
flags=(-O -sanitize=fuzzer,address -parse-as-library -swift-version 6 -I "$out/modules")

# Compiles module $1 from the Swift files under $2, when any of them is newer than its object.
module() {
    local name=$1 dir=$2 object="$out/objects/$1.o"
    local sources; sources=$(find "$dir" -name '*.swift' | sort)
    if [[ -f $object ]] && [[ -z $(find "$dir" -name '*.swift' -newer "$object") ]] \
        && [[ -z ${3:-} || ! "$out/objects/$3.o" -nt "$object" ]]; then
        return
    fi
    echo "fuzz: compiling $name" >&2
    # shellcheck disable=SC2086
    swiftc "${flags[@]}" -module-name "$name" -whole-module-optimization -emit-module \
        -emit-module-path "$out/modules/$name.swiftmodule" -c $sources -o "$object"
}
module HTTPModel Sources/HTTPModel
module Workload Sources/Workload HTTPModel
module Simulation Sources/Simulation Workload
module Scenario Sources/Scenario Simulation
module FuzzHarness fuzz/Harness Scenario

binary="$out/bin/$target"
if [[ ! -x $binary || fuzz/targets/$target.swift -nt $binary || "$out/objects/FuzzHarness.o" -nt $binary ]]; then
    echo "fuzz: linking $target" >&2
    # gold warns once per ASan helper symbol ("Cannot export local symbol"); harmless, hidden.
    swiftc "${flags[@]}" fuzz/targets/"$target".swift "$out"/objects/{HTTPModel,Workload,Simulation,Scenario,FuzzHarness}.o \
        -o "$binary" 2>&1 | { grep -v 'Cannot export local symbol' || true; } >&2
    [[ -x $binary ]] || { echo "fuzz: linking $target failed" >&2; exit 1; }
fi
flock -u 9
[[ $build_only == 1 ]] && { echo "$binary"; exit 0; }

# Seeds from the shipped files, per target.
seeds="$out/seeds/$target"
rm -rf "$seeds"
mkdir -p "$seeds" "$out/work/$target" "$out/artifacts/$target" fuzz/corpus/"$target"
case $target in
    csv-trace) cp scenarios/traces/*.csv "$seeds"/ ;;
    alibaba-cdn) cp scenarios/logs/alibaba-cdn.log "$seeds"/ ;;
    cloudfront) cp scenarios/logs/cloudfront.log "$seeds"/ ;;
    nginx)
        cp scenarios/logs/nginx-combined.log "$seeds"/
        { echo '#log_format $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_origin" $host "$sent_http_content_type"'
          cat scenarios/logs/nginx-origin.log; } > "$seeds/nginx-origin.log"
        ;;
    scenario) cp scenarios/*.json scenarios/logs/replay-nginx.json "$seeds"/ ;;
    json) cp scenarios/*.json scenarios/rules/*.json fidelity/scenarios/*.json "$seeds"/ 2>/dev/null || true ;;
    cdn-rules)
        # Every Access-Control-Allow-Origin value the shipped scenarios use, against an origin.
        grep -ho '"value": *"[^"]*"' scenarios/*.json scenarios/rules/*.json | sed 's/"value": *"//; s/"$//' | sort -u |
            while IFS= read -r v; do
                printf '%s\nhttps://www.example.com' "$v" > "$seeds/$(printf '%s' "$v" | cksum | cut -d' ' -f1)"
            done
        ;;
    *) ;; # pstrace, oracle-general, small-parsers: the committed corpus is the seed
esac

dict=()
[[ -f fuzz/dict/$target.dict ]] && dict=(-dict=fuzz/dict/"$target".dict)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/popsim-fuzz.XXXXXX")
[[ -d /dev/shm && -w /dev/shm ]] && { rmdir "$scratch"; scratch=$(mktemp -d /dev/shm/popsim-fuzz.XXXXXX); }
trap 'rm -rf "$scratch"' EXIT
echo "fuzz: $target for ${seconds}s (log: $out/logs/$target.log)" >&2
status=0
POPSIM_FUZZ_SCRATCH=$scratch ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 "$binary" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$target/" "${dict[@]}" "$@" \
    "$out/work/$target" fuzz/corpus/"$target" "$seeds" > "$out/logs/$target.log" 2>&1 || status=$?
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs)' "$out/logs/$target.log" >&2 || true
# One line per run in .build/fuzz/history.tsv: date, target, seconds asked, inputs run, peak RSS, status.
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/logs/$target.log" | grep -o '[0-9]*$' || echo 0)
rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$out/logs/$target.log" | grep -o '[0-9]*$' || echo 0)
printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$target" "$seconds" "$runs" "$rss" "$status" >> "$out/history.tsv"
if [[ $status != 0 ]]; then
    echo "fuzz: $target stopped with status $status; see $out/logs/$target.log and $out/artifacts/$target/" >&2
fi
exit $status
