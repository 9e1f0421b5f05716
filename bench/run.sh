#!/usr/bin/env bash
# popsim's benchmark suite (issue 6): builds popsim in release mode, generates a workload with
# popsim's own generator, and times, back to back:
#
#   1. cache-only replay of an oracleGeneral trace (`popsim cachesim`), in bytes and counting
#      objects, at 1 % and 10 % of the working set — against libCacheSim's `cachesim … lru SIZE`
#      when LIBCACHESIM_CACHESIM names its binary (goal ≥ 4×); and at 1 % with --working-set
#      (popsim also counts the distinct objects, which libCacheSim does not);
#   2. cache-only replay of the CSV trace — against libCacheSim's CSV reader on one thread each
#      (goal ≥ 3×) and a Python OrderedDict LRU, bench/lru.py, end to end with CSV parsing
#      (goal ≥ 10×), with popsim's read-ahead thread (--threads 2, its default here) and without;
#   3. the full model (`popsim run`: CORS evaluation, pass-through, events, outcome aggregation)
#      on 1 POP, against the cache-only replay at the same capacity (goal ≥ 0.5×; also with
#      the oracleGeneral file itself as the full model's workload, for scale, and against
#      libCacheSim's cachesim at that capacity, no goal), and on 8 POPs
#      against 1 POP (goal ≥ 0.8×), the same requests either way — both also with POPs that
#      cache nothing (capacity 0, no goal: the model's cost apart from the cache's); and 2 threads against 1 on
#      1 and 8 POPs (goal ≥ 1.8× on 2 cores); and the full model reading the CSV trace against
#      the same requests from the `.pstrace` (no goal: what reading the CSV as it is costs);
#      and `popsim sweep` of 4 cache sizes in one pass against 4 runs, one per size (no goal:
#      what reading the trace once saves; each size's CORS failures must be the run's).
#
# Each comparison is the median of BENCH_RUNS paired runs (the two commands alternate, so both
# see the same machine), rates are requests / wall-clock second of the whole command (reading
# the file included), and the ratio is the median of the per-pair ratios. Miss ratios must be
# identical to 4 decimals (libCacheSim prints 4); the script says so, or exits 1. Memory is the
# peak resident set (/usr/bin/time -v); libCacheSim maps the whole oracleGeneral file, so its
# memory "beyond the trace" is its peak minus the file's size; popsim streams it.
#
# Usage:  bench/run.sh                      (from anywhere; 10–25 minutes at the defaults: 10 on the
#                                            2-core VM of the README's figures, libCacheSim included)
#         LIBCACHESIM_CACHESIM=/path/to/cachesim bench/run.sh
#         BENCH_REQUESTS=1000000 BENCH_OBJECTS=100000 BENCH_RUNS=3 bench/run.sh   (a quick look: runs
#                                            under 0.1 s give rough ratios, and the script says so)
#
# Environment: BENCH_REQUESTS (10000000), BENCH_OBJECTS (1000000), BENCH_ALPHA (0.9),
# BENCH_SEED (42), BENCH_RUNS (5), BENCH_DIR (a new temporary folder, kept afterwards — about
# 1.4 GB at the defaults, its path printed first; a folder that already holds the same workload
# is reused), BENCH_POPSIM (a popsim binary to time instead of building one), LIBCACHESIM_CACHESIM
# (unset: no libCacheSim columns), PYTHON (python3; set it empty to skip the Python baseline).
# Paths must not contain spaces. Needs /usr/bin/time (Debian: time).
# libCacheSim builds from its source with cmake, glib and zstd (apt-get install -y cmake
# libglib2.0-dev libzstd-dev): cmake -DCMAKE_BUILD_TYPE=Release .. && make cachesim.
set -euo pipefail
# Relative paths in BENCH_DIR, BENCH_POPSIM and LIBCACHESIM_CACHESIM are the caller's: kept
# before the script moves to the repository.
CALLER=$PWD
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="/opt/swift/usr/bin:$PATH"

REQUESTS=${BENCH_REQUESTS:-10000000}
OBJECTS=${BENCH_OBJECTS:-1000000}
ALPHA=${BENCH_ALPHA:-0.9}
SEED=${BENCH_SEED:-42}
RUNS=${BENCH_RUNS:-5}
# Binaries run from the workload's folder: a relative path given (from the caller's folder) is
# made absolute first; a bare name is looked up on the PATH, as a shell would.
absolute() { case "$1" in ""|/*) echo "$1" ;; */*) echo "$CALLER/$1" ;; *) echo "$1" ;; esac; }
DIR=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/popsim-bench.XXXXXX")}
case "$DIR" in /*) ;; *) DIR=$CALLER/$DIR ;; esac
LCS=$(absolute "${LIBCACHESIM_CACHESIM:-}")
PY=${PYTHON-python3}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench: needs $TIME (apt-get install -y time)" >&2; exit 2; }
[ -z "$LCS" ] || [ -x "$LCS" ] || { echo "bench: LIBCACHESIM_CACHESIM=$LCS is not an executable" >&2; exit 2; }
log() { echo "bench: $*" >&2; }
if [ -n "$PY" ] && ! command -v "$PY" >/dev/null; then log "no $PY: the Python baseline is skipped (PYTHON names another)"; PY=""; fi
# Commands are passed as words (pairs below): a space in a path would split it.
case "$ROOT$DIR${LCS}${BENCH_POPSIM:-}" in *" "*) echo "bench: paths with spaces are not supported ($ROOT, $DIR)" >&2; exit 2 ;; esac
mkdir -p "$DIR/lcs"
log "workload and outputs in $DIR (kept afterwards; delete it when done)"

if [ -n "${BENCH_POPSIM:-}" ]; then
  P=$(absolute "$BENCH_POPSIM")
  [ -x "$P" ] || { echo "bench: BENCH_POPSIM=$P is not an executable" >&2; exit 2; }
else
  log "building popsim (release)"
  swift build -c release --product popsim >/dev/null
  P=$ROOT/.build/release/popsim
fi

# ---------------------------------------------------------------------------------------------
# The workload: 10M requests over 1M objects, Zipf 0.9, five kinds with per-kind sizes, 8 POPs;
# the 1-POP trace is the same requests (same seed; the POP is drawn from its own stream).

# scenario FILE POP-COUNT CAPACITY WORKLOAD-JSON
scenario() {
  local pops="" weights="" i
  for i in $(seq 1 "$2"); do
    pops+="${pops:+, }{\"id\": \"p$i\", \"capacity\": \"$3\", \"originRTT\": \"40ms\"}"
    weights+="${weights:+, }\"p$i\": 1"
  done
  cat > "$1" <<EOF
{
  "version": 1,
  "name": "bench-$2-pop",
  "description": "Benchmark workload: Zipf $ALPHA over $OBJECTS objects, $2 POP(s).",
  "seed": $SEED,
  "window": "10m",
  "pops": [$pops],
  "origins": [{"id": "bucket", "type": "oss",
               "cors": {"rules": [{"allowedOrigins": ["https://*.example.com"], "allowedMethods": ["GET", "HEAD"]}]}}],
  "domains": [{"host": "static.example-cdn.com", "origin": "bucket", "ttl": "1d"}],
  "variants": {"pass-through": {"description": "No CDN rule: the bucket's CORS headers pass through the cache."}},
  "workload": ${4//POPWEIGHTS/$weights}
}
EOF
}
SYNTHETIC='{"synthetic": {
    "objects": '$OBJECTS', "alpha": '$ALPHA', "rate": 1000, "requests": '$REQUESTS',
    "origins": {"https://www.example.com": 3, "https://shop.example.com": 2, "https://blog.example.com": 1},
    "noOriginShare": 0.05,
    "kinds": {"font": 3, "img": 4, "img-cors": 1, "video": 1, "script": 1},
    "pops": {POPWEIGHTS},
    "sizes": {"font": "40KB", "img": {"distribution": "uniform", "min": "10KB", "max": "190KB"},
              "video": {"distribution": "lognormal", "mean": "2MB", "sigma": 1.0},
              "script": {"distribution": "uniform", "min": "5KB", "max": "100KB"}},
    "baseURL": "https://static.example-cdn.com"}}'

STAMP="requests=$REQUESTS objects=$OBJECTS alpha=$ALPHA seed=$SEED"
if [ "$(cat "$DIR/workload.stamp" 2>/dev/null)" != "$STAMP" ]; then
  log "generating the workload in $DIR ($STAMP)"
  scenario "$DIR/gen8.json" 8 1GB "$SYNTHETIC"
  scenario "$DIR/gen1.json" 1 1GB "$SYNTHETIC"
  "$P" trace gen --scenario "$DIR/gen8.json" --out "$DIR/t8.csv" >&2
  "$P" trace convert "$DIR/t8.csv" "$DIR/t8.oracleGeneral" >&2
  "$P" trace convert "$DIR/t8.csv" "$DIR/t8.pstrace" >&2
  "$P" trace gen --scenario "$DIR/gen1.json" --out "$DIR/t1.pstrace" >&2
  echo "$STAMP" > "$DIR/workload.stamp"
fi
OG=$DIR/t8.oracleGeneral; CSV=$DIR/t8.csv

# The working set and the cache sizes: 1 % and 10 % of it, in bytes and in objects.
ws_bytes=$("$P" cachesim "$OG" --cache-size 0.01ws,0.1ws)
ws_objects=$("$P" cachesim "$OG" --cache-size 0.01ws,0.1ws --ignore-obj-size)
row() { awk -v n="$2" '$1 ~ /^[0-9]+$/ { if (++i == n) { print; exit } }' <<<"$1"; }
B1=$(row "$ws_bytes" 1 | awk '{print $1}'); B10=$(row "$ws_bytes" 2 | awk '{print $1}')
O1=$(row "$ws_objects" 1 | awk '{print $1}'); O10=$(row "$ws_objects" 2 | awk '{print $1}')
WSLINE=$(grep '^working set' <<<"$ws_bytes") || { log "no working-set line in popsim cachesim's output:"; echo "$ws_bytes" >&2; exit 1; }
[ -n "$B1" ] && [ -n "$B10" ] && [ -n "$O1" ] && [ -n "$O10" ] || { log "no cache sizes in popsim cachesim's output"; exit 1; }
NOBJ=$(awk '{print $3}' <<<"$WSLINE")

# ---------------------------------------------------------------------------------------------
# Timing.

# run LABEL CMD… — runs once; leaves wall seconds, peak RSS (KB) and stdout in $DIR/out/LABEL.*
# Wall time from the clock in nanoseconds around the command (/usr/bin/time's %e counts
# hundredths: a run of a few tens of milliseconds would be a multiple of one tick).
mkdir -p "$DIR/out"
run() {
  local label=$1 start end; shift
  start=$(date +%s.%N)
  (cd "$DIR/lcs" && "$TIME" -f "%M" -o "$DIR/out/$label.time" "$@" > "$DIR/out/$label.stdout" 2> "$DIR/out/$label.stderr") || {
    echo "bench: $label failed:" >&2; tail -5 "$DIR/out/$label.stderr" >&2; exit 1; }
  end=$(date +%s.%N)
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f", b - a }') $(tail -1 "$DIR/out/$label.time")" >> "$DIR/out/$label.times"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
two() { awk '{ printf "%.2f\n", $1 }'; }
# The median wall time, rate (M requests/s) and peak RSS (MB) of LABEL's runs.
wall() { awk '{print $1}' "$DIR/out/$1.times" | median; }
rss() { awk '{print $2 / 1024}' "$DIR/out/$1.times" | median; }
rate() { awk -v r="$REQUESTS" '{print r / $1 / 1e6}' "$DIR/out/$1.times" | median | two; }
# The median over pairs of wall(A) / wall(B): how many times faster B ran than A.
ratio() { paste -d' ' "$DIR/out/$1.times" "$DIR/out/$2.times" | awk '{print $1 / $3}' | median | two; }

# pairs N LABEL-A "CMD A" LABEL-B "CMD B" — N paired runs, alternating which goes first.
pairs() {
  local n=$1 a=$2 ca=$3 b=$4 cb=$5 i
  rm -f "$DIR/out/$a.times" "$DIR/out/$b.times"
  for i in $(seq 1 "$n"); do
    if (( i % 2 )); then run "$a" $ca; run "$b" $cb; else run "$b" $cb; run "$a" $ca; fi
  done
}

FAIL=0
# same WHAT VALUE-A VALUE-B — records a miss-ratio mismatch.
same() { if [ "$2" != "$3" ]; then log "MISMATCH: $1: $2 vs $3"; FAIL=1; fi; }
popsim_ratios() { awk '$1 ~ /^[0-9]+$/ { print $2, $3; exit }' "$DIR/out/$1.stdout"; }
# libCacheSim's miss ratio in LABEL's output; an output without one stops the bench, saying so.
lcs_miss_ratio() {
  local m
  m=$(grep -o 'miss ratio [0-9.]*' "$DIR/out/$1.stdout" | tail -1 | awk '{print $3}' || true)
  if [ -z "$m" ]; then
    echo "bench: $LCS printed no miss ratio ($DIR/out/$1.stdout; is it libCacheSim's cachesim?)" >&2; exit 1
  fi
  echo "$m"
}

TABLE=$DIR/table.txt
: > "$TABLE"
# Whether VALUE meets GOAL ("≥ 4", "≤ 64"): "met" or "NOT met", noted in $GOALS; "" without a goal.
verdict() {
  local value=$1 goal=$2 what=$3 ok
  [ -n "$goal" ] && [[ "$value" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo ""; return; }
  case "$goal" in
    "≥ "*) ok=$(awk -v v="$value" -v g="${goal#≥ }" 'BEGIN { print (v + 0 >= g + 0) }') ;;
    "≤ "*) ok=$(awk -v v="$value" -v g="${goal#≤ }" 'BEGIN { print (v + 0 <= g + 0) }') ;;
    *) echo ""; return ;;
  esac
  if [ "$ok" = 1 ]; then echo "met" >> "$GOALS"; echo "met"; else echo "NOT met: $what ($value, goal $goal)" >> "$GOALS"; echo "NOT met"; fi
}
GOALS=$DIR/goals.txt
: > "$GOALS"
line() { printf '%-44s %9s %-22s %9s %8s %7s %-8s %s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$(verdict "$5" "$6" "$1 vs $3")" "$7" >> "$TABLE"; }
: > "$TABLE"
printf '%-44s %9s %-22s %9s %8s %7s %-8s %s\n' "run" "popsim" "vs" "other" "ratio" "goal" "" "miss ratios" >> "$TABLE"
printf '%-44s %9s %-22s %9s %8s %7s %-8s %s\n' "" "M req/s" "" "M req/s" "" "" "" "" >> "$TABLE"

# 1. Cache-only replay of oracleGeneral.
for mode in bytes objects; do
  for pct in 1 10; do
    if [ $mode = bytes ]; then size=$([ $pct = 1 ] && echo "$B1" || echo "$B10"); flag=""; else size=$([ $pct = 1 ] && echo "$O1" || echo "$O10"); flag="--ignore-obj-size"; fi
    label="og-$mode-$pct"
    log "cache-only oracleGeneral, $mode, $pct% ($size)"
    if [ -n "$LCS" ]; then
      pairs "$RUNS" "$label" "$P cachesim $OG --cache-size $size $flag" "lcs-$label" "$LCS $OG oracleGeneral lru $size ${flag:+--ignore-obj-size=true}"
      read -r mr bmr <<<"$(popsim_ratios "$label")"
      lmr=$(lcs_miss_ratio "lcs-$label")
      same "$label miss ratio (popsim vs libCacheSim)" "$mr" "$lmr"
      line "cache-only oracleGeneral, $mode, $pct% WS" "$(rate "$label")" "libCacheSim cachesim" "$(rate "lcs-$label")" "$(ratio "lcs-$label" "$label")" "≥ 4" "$mr / $bmr, equal"
    else
      pairs "$RUNS" "$label" "$P cachesim $OG --cache-size $size $flag" "$label-again" "$P cachesim $OG --cache-size $size $flag"
      read -r mr bmr <<<"$(popsim_ratios "$label")"
      line "cache-only oracleGeneral, $mode, $pct% WS" "$(rate "$label")" "—" "" "" "" "$mr / $bmr"
    fi
  done
done
if [ -n "$LCS" ]; then
  # The rows above index only what the caches hold; with --working-set popsim also counts the
  # trace's distinct objects (a table of every object, one access per request), which
  # libCacheSim does not do for sizes in bytes or objects.
  for mode in bytes objects; do
    if [ $mode = bytes ]; then size=$B1; flag=""; else size=$O1; flag="--ignore-obj-size"; fi
    label="og-$mode-1-ws"
    log "cache-only oracleGeneral, $mode, 1% ($size), counting the working set"
    pairs "$RUNS" "$label" "$P cachesim $OG --cache-size $size $flag --working-set" "lcs-$label" "$LCS $OG oracleGeneral lru $size ${flag:+--ignore-obj-size=true}"
    line "… $mode, 1% WS, with --working-set" "$(rate "$label")" "libCacheSim cachesim" "$(rate "lcs-$label")" "$(ratio "lcs-$label" "$label")" "" ""
  done
  # libCacheSim prints byte miss ratios only when it runs several sizes: one untimed run per mode.
  log "checking byte miss ratios against libCacheSim (untimed, several sizes)"
  for mode in bytes objects; do
    if [ $mode = bytes ]; then sizes="$B1,$B10"; flag=""; else sizes="$O1,$O10"; flag="--ignore-obj-size"; fi
    mine=$("$P" cachesim "$OG" --cache-size "$sizes" $flag | awk '$1 ~ /^[0-9]+$/ {print $1, $2, $3}')
    theirs=$(cd "$DIR/lcs" && "$LCS" "$OG" oracleGeneral lru "$sizes" ${flag:+--ignore-obj-size=true} 2>/dev/null \
             | grep -o 'miss ratio [0-9.]*, byte miss ratio [0-9.]*' | awk '{print $3, $7}' | tr -d ,)
    same "$mode miss ratios at $sizes (popsim vs libCacheSim, request and byte)" "$(awk '{print $2, $3}' <<<"$mine")" "$theirs"
  done
fi

# 2. Cache-only replay of the CSV trace.
url_col=$(head -1 "$CSV" | tr ',' '\n' | grep -nx url | cut -d: -f1) || { log "$CSV has no url column"; exit 1; }
bytes_col=$(head -1 "$CSV" | tr ',' '\n' | grep -nx bytes | cut -d: -f1) || { log "$CSV has no bytes column"; exit 1; }
log "cache-only CSV, bytes, 1% ($B1)"
if [ -n "$LCS" ]; then
  pairs "$RUNS" csv "$P cachesim $CSV --cache-size $B1 --threads 1" lcs-csv "$LCS $CSV csv lru $B1 -t obj-id-col=$url_col,obj-size-col=$bytes_col,delimiter=,,has-header=true"
  read -r mr bmr <<<"$(popsim_ratios csv)"
  same "CSV miss ratio (popsim vs libCacheSim)" "$mr" "$(lcs_miss_ratio lcs-csv)"
  line "cache-only CSV, bytes, 1% WS, 1 thread" "$(rate csv)" "libCacheSim CSV reader" "$(rate lcs-csv)" "$(ratio lcs-csv csv)" "≥ 3" "$mr / $bmr, equal"
fi
if [ -n "$PY" ]; then
  log "cache-only CSV against Python's OrderedDict ($PY bench/lru.py)"
  pairs "$RUNS" csv-py "$P cachesim $CSV --cache-size $B1 --threads 2" py "$PY $ROOT/bench/lru.py $CSV $B1"
  read -r mr bmr <<<"$(popsim_ratios csv-py)"
  read -r pmr pbmr <<<"$(sed -E 's/.*miss ratio ([0-9.]+), byte miss ratio ([0-9.]+)/\1 \2/' "$DIR/out/py.stdout")"
  same "CSV miss ratios (popsim vs Python)" "$mr $bmr" "$pmr $pbmr"
  line "cache-only CSV, bytes, 1% WS, 2 threads" "$(rate csv-py)" "Python OrderedDict LRU" "$(rate py)" "$(ratio py csv-py)" "≥ 10" "$mr / $bmr, equal"
  pairs "$RUNS" csv-py1 "$P cachesim $CSV --cache-size $B1 --threads 1" py-again "$PY $ROOT/bench/lru.py $CSV $B1"
  line "cache-only CSV, bytes, 1% WS, 1 thread" "$(rate csv-py1)" "Python OrderedDict LRU" "$(rate py-again)" "$(ratio py-again csv-py1)" "(≥ 10)" ""
fi
if [ -z "$LCS" ] && [ -z "$PY" ]; then
  pairs "$RUNS" csv "$P cachesim $CSV --cache-size $B1" csv-again "$P cachesim $CSV --cache-size $B1"
  line "cache-only CSV, bytes, 1% WS" "$(rate csv)" "—" "" "" "" "$(popsim_ratios csv | tr ' ' /)"
fi
# The CSV and oracleGeneral replays of one trace must agree.
same "CSV vs oracleGeneral (popsim)" "$("$P" cachesim "$CSV" --cache-size "$B1" | awk '$1 ~ /^[0-9]+$/ {print $2, $3, $4}')" \
  "$("$P" cachesim "$OG" --cache-size "$B1" | awk '$1 ~ /^[0-9]+$/ {print $2, $3, $4}')"

# 3. The full model: 1 POP at 10 % of the working set, 8 POPs sharing it.
scenario "$DIR/run1.json" 1 "$B10" '{"trace": "t1.pstrace"}'
scenario "$DIR/run8.json" 8 "$((B10 / 8))" '{"trace": "t8.pstrace"}'
log "full model: 1 POP against the cache-only replay at the same capacity ($B10)"
pairs "$RUNS" full1 "$P run $DIR/run1.json --no-out --quiet --threads 1" og-bytes-10-again "$P cachesim $OG --cache-size $B10"
# Issue 6's goal read strictly: against the oracleGeneral replay of the previous rows (the next
# row reads it as the same file, the same reader on both sides).
line "full model, 1 POP, 1 thread (10% WS)" "$(rate full1)" "cache-only, oracleGeneral" "$(rate og-bytes-10-again)" "$(ratio og-bytes-10-again full1)" "(≥ 0.5)" "for scale: the goal is the .pstrace row"
log "full model: 1 POP against the cache-only replay of the same .pstrace (the same reader and interner), both on one thread"
pairs "$RUNS" full1-ps "$P run $DIR/run1.json --no-out --quiet --threads 1" ps-bytes-10 "$P cachesim $DIR/t1.pstrace --cache-size $B10 --threads 1"
line "full model, 1 POP, 1 thread (10% WS)" "$(rate full1-ps)" "cache-only .pstrace 1T" "$(rate ps-bytes-10)" "$(ratio ps-bytes-10 full1-ps)" "≥ 0.5" ""
if [ -n "$LCS" ]; then
  # Not a goal row: what the whole model costs against the bare LRU a libCacheSim user runs,
  # at the same capacity (its cachesim over the oracleGeneral file of the same requests).
  log "full model: 1 POP against libCacheSim's cachesim at the same capacity"
  pairs "$RUNS" full1-lcs "$P run $DIR/run1.json --no-out --quiet --threads 1" lcs-og-bytes-10-again "$LCS $OG oracleGeneral lru $B10"
  line "full model, 1 POP, 1 thread (10% WS)" "$(rate full1-lcs)" "libCacheSim cachesim" "$(rate lcs-og-bytes-10-again)" "$(ratio lcs-og-bytes-10-again full1-lcs)" "" "the bare LRU, not a goal"
fi
log "full model: 1 POP reading the oracleGeneral trace itself, against the cache-only replay of that file"
# The same file on both sides: object ids become /obj/<id> URLs at one POP; the file has no
# Origin, so nothing is CORS-checked. Not a goal row — it shows the model's cost, not the reader's.
scenario "$DIR/run1-og.json" 1 "$B10" '{"trace": "t8.oracleGeneral", "objects": {"pop": "p1"}}'
pairs "$RUNS" full1-og "$P run $DIR/run1-og.json --no-out --quiet --threads 1" og-bytes-10-third "$P cachesim $OG --cache-size $B10"
line "full model, 1 POP, oracleGeneral as requests" "$(rate full1-og)" "cache-only, same file" "$(rate og-bytes-10-third)" "$(ratio og-bytes-10-third full1-og)" "" ""
log "full model: 8 POPs against 1 POP"
pairs "$RUNS" full8 "$P run $DIR/run8.json --no-out --quiet --threads 1" full1-again "$P run $DIR/run1.json --no-out --quiet --threads 1"
line "full model, 8 POPs, 1 thread (10% WS shared)" "$(rate full8)" "full model, 1 POP" "$(rate full1-again)" "$(ratio full1-again full8)" "≥ 0.8" ""
# Not goal rows: the same runs with POPs that cache nothing (capacity 0: every request a miss,
# nothing stored or evicted), which part the two rows above the cache's own work. Against the
# cache-only replay, the model without a cache; 8 POPs against 1 without caches, what handling
# eight POPs costs apart from their caches missing more.
scenario "$DIR/run1-c0.json" 1 0 '{"trace": "t1.pstrace"}'
scenario "$DIR/run8-c0.json" 8 0 '{"trace": "t8.pstrace"}'
log "full model with POPs that cache nothing: 1 POP against the cache-only replay; 8 POPs against 1"
pairs "$RUNS" full1-c0 "$P run $DIR/run1-c0.json --no-out --quiet --threads 1" ps-bytes-10-again "$P cachesim $DIR/t1.pstrace --cache-size $B10 --threads 1"
line "full model, 1 POP, capacity 0" "$(rate full1-c0)" "cache-only .pstrace 1T" "$(rate ps-bytes-10-again)" "$(ratio ps-bytes-10-again full1-c0)" "" "no cache: the model's floor"
pairs "$RUNS" full8-c0 "$P run $DIR/run8-c0.json --no-out --quiet --threads 1" full1-c0-again "$P run $DIR/run1-c0.json --no-out --quiet --threads 1"
line "full model, 8 POPs, capacity 0" "$(rate full8-c0)" "1 POP, capacity 0" "$(rate full1-c0-again)" "$(ratio full1-c0-again full8-c0)" "" "8 POPs without caches"
log "full model: 8 POPs on 2 threads against 1 thread (results are the same bytes; tests check it)"
pairs "$RUNS" full8-threads "$P run $DIR/run8.json --no-out --quiet --threads 2" full8-one "$P run $DIR/run8.json --no-out --quiet --threads 1"
line "full model, 8 POPs, 2 threads" "$(rate full8-threads)" "the same on 1 thread" "$(rate full8-one)" "$(ratio full8-one full8-threads)" "≥ 1.8" ""
log "full model: 1 POP on 2 threads against 1 thread"
pairs "$RUNS" full1-threads "$P run $DIR/run1.json --no-out --quiet --threads 2" full1-one "$P run $DIR/run1.json --no-out --quiet --threads 1"
# Not a goal row: the 2-core goal is for POPs that run in parallel; one POP is one thread's work.
line "full model, 1 POP, 2 threads" "$(rate full1-threads)" "the same on 1 thread" "$(rate full1-one)" "$(ratio full1-one full1-threads)" "" ""
log "full model: 8 POPs reading the CSV trace against the same requests from the .pstrace, both on 2 threads"
# Not a goal row: what a user who runs the CSV as it is pays for it (its reading thread parses
# and interns each line). The summaries must be the same.
scenario "$DIR/run8csv.json" 8 "$((B10 / 8))" '{"trace": "t8.csv"}'
pairs "$RUNS" full8-csv "$P run $DIR/run8csv.json --no-out --quiet --threads 2" full8-ps2 "$P run $DIR/run8.json --no-out --quiet --threads 2"
same "full model, CSV vs .pstrace summary" "$(cksum < "$DIR/out/full8-csv.stdout")" "$(cksum < "$DIR/out/full8-ps2.stdout")"
line "full model, 8 POPs, CSV, 2 threads" "$(rate full8-csv)" "the same .pstrace, 2T" "$(rate full8-ps2)" "$(ratio full8-ps2 full8-csv)" "" ""
log "full model: a sweep of 4 cache sizes in one pass against 4 runs, one per size, both on 2 threads"
# Not a goal row: what reading the trace once saves a capacity sweep (its rate counts the trace's
# requests once, as a run's does). Each size's CORS failures must be the run's.
SIZES="$B1 $((3 * B1)) $B10 $((3 * B10))"
RUNS4=$DIR/runs4.sh
: > "$RUNS4"
for size in $SIZES; do
  scenario "$DIR/run1-$size.json" 1 "$size" '{"trace": "t1.pstrace"}'
  echo "\"$P\" run \"$DIR/run1-$size.json\" --no-out --quiet --threads 2" >> "$RUNS4"
done
pairs "$RUNS" sweep4 "$P sweep $DIR/run1.json --capacity ${SIZES// /,} --quiet --threads 2 --out $DIR/out/sweep4" runs4 "bash $RUNS4"
same "sweep vs runs, CORS failures per size" "$(awk -F, 'NR > 1 { print $7 }' "$DIR/out/sweep4/sweep.csv" | xargs)" \
  "$(grep -o 'failed [0-9]*' "$DIR/out/runs4.stdout" | awk '{ print $2 }' | xargs)"
line "full model sweep, 1 POP, 4 sizes, 2 threads" "$(rate sweep4)" "4 runs, one per size, 2T" "$(rate runs4)" "$(ratio runs4 sweep4)" "" ""

# Memory.
rm -f "$DIR/out/baseline.times"
run baseline "$P" --version
BASE=$(rss baseline)
TRACE_MB=$(awk -v b="$(stat -c %s "$OG")" 'BEGIN { print b / 1048576 }')
res1=$(row "$ws_bytes" 1 | awk '{print $6}'); res10=$(row "$ws_bytes" 2 | awk '{print $6}')
MEM=$DIR/memory.txt
{
  printf '%-44s %9s %12s %14s %16s\n' "peak resident set (median)" "MB" "beyond trace" "B/resident obj" "B/distinct obj"
  for label in og-bytes-1 og-bytes-10 og-objects-1 og-objects-10; do
    res=$([[ $label == *-1 ]] && echo "$res1" || echo "$res10")
    [[ $label == og-objects-1 ]] && res=$O1
    [[ $label == og-objects-10 ]] && res=$O10
    m=$(rss "$label")
    printf '%-44s %9.1f %12.1f %14.0f %16.0f\n' "popsim cachesim $label" "$m" "$m" \
      "$(awk -v m="$m" -v b="$BASE" -v r="$res" 'BEGIN { print (m - b) * 1048576 / r }')" \
      "$(awk -v m="$m" -v b="$BASE" -v r="$NOBJ" 'BEGIN { print (m - b) * 1048576 / r }')"
    if [ -n "$LCS" ]; then
      l=$(rss "lcs-$label")
      share=$(awk -v m="$m" -v l="$l" -v t="$TRACE_MB" 'BEGIN { printf "%.2f", m / (l - t) }')
      printf '%-44s %9.1f %12.1f %14.0f %16s   popsim/libCacheSim beyond the trace: %s (goal ≤ 0.5: %s)\n' "libCacheSim cachesim $label" "$l" \
        "$(awk -v l="$l" -v t="$TRACE_MB" 'BEGIN { print l - t }')" \
        "$(awk -v l="$l" -v t="$TRACE_MB" -v r="$res" 'BEGIN { print (l - t) * 1048576 / r }')" "" \
        "$share" "$(verdict "$share" "≤ 0.5" "memory beyond the trace, $label, popsim / libCacheSim")"
    fi
  done
  printf '%-44s %9.1f %12s %14.0f %16.0f   (resident objects from the cache-only replay at the same capacity)\n' "popsim run, 1 POP" "$(rss full1)" "" \
    "$(awk -v m="$(rss full1)" -v b="$BASE" -v r="$res10" 'BEGIN { print (m - b) * 1048576 / r }')" \
    "$(awk -v m="$(rss full1)" -v b="$BASE" -v r="$NOBJ" 'BEGIN { print (m - b) * 1048576 / r }')"
  printf '%-44s %9.1f\n' "popsim run, 8 POPs" "$(rss full8)"
  # The caches' own storage per resident object (slots and index), as `run --stats` counts it.
  for n in 1 8; do
    per=$(cd "$DIR/lcs" && "$P" run "$DIR/run$n.json" --no-out --quiet --threads 1 --stats 2>&1 >/dev/null | grep -o '([0-9.]* bytes per resident object)' | tr -d '()') \
      || per="n/a (no 'bytes per resident object' in run --stats)"
    printf '%-44s %9s   %s (goal ≤ 64: %s)\n' "popsim run, $n POP(s), cache storage" "" "$per" \
      "$(verdict "$(echo "$per" | awk '{print $1}')" "≤ 64" "bytes per resident object, $n POP(s)")"
  done
  printf '%-44s %9.1f   (subtracted above as the runtime'"'"'s share)\n' "popsim --version (baseline)" "$BASE"
} > "$MEM"

echo
echo "popsim $("$P" --version | awk '{print $2}'), $(uname -m), $(nproc) cores; workload: $REQUESTS requests, Zipf $ALPHA over $OBJECTS objects, seed $SEED"
echo "$WSLINE; cache sizes: 1% = $B1 bytes / $O1 objects, 10% = $B10 bytes / $O10 objects; oracleGeneral $(awk -v t="$TRACE_MB" 'BEGIN { printf "%.0f", t }') MiB"
echo "medians of $RUNS paired runs; rates are requests per wall-clock second of the whole command"
echo
cat "$TABLE"
echo
cat "$MEM"
echo
echo "files: $DIR (out/ holds every run's output and times)"
# Runs this short are dominated by starting the process (about 15 ms) and reading the file: say so.
short=$(for f in "$DIR"/out/*.times; do [ "${f##*/}" = baseline.times ] || cat "$f"; done | awk '$1 < 0.1 { n++ } END { print n + 0 }')
if [ "$short" -gt 0 ]; then
  echo "note: $short run(s) took under 0.1 s: at this workload size the ratios are rough (the defaults, 10M requests, give the README's figures)"
fi
met=$(grep -c '^met$' "$GOALS" || true)
missed=$(grep -c '^NOT met' "$GOALS" || true)
echo "goals: $met met, $missed not met$([ "$missed" = 0 ] || echo ":")"
grep '^NOT met' "$GOALS" | sed 's/^NOT met: /  /' || true
if [ "$short" -gt 0 ] && [ "$missed" != 0 ]; then
  echo "  (at this workload size the verdicts are as rough as the ratios: the goals are set for the defaults)"
fi
if [ "$FAIL" != 0 ]; then echo "MISS RATIOS DIFFER (see above)"; exit 1; fi
echo "miss ratios identical where compared"
