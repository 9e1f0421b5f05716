#!/usr/bin/env bash
# Regenerates the committed teaching exports in notebooks-export/: for each teaching scenario,
# the results bundle (report.html, analysis.ipynb, tables, charts, manifest) that
# 'popsim run scenarios/NAME.json' writes by default. The CLI test
# "the committed teaching exports are what the code produces now" fails when they are stale.
# Usage: scripts/export-teaching.sh   (from anywhere; runs in the repository's root)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

scenarios=(
  pass-through-two-origins   # why pass-through fails: the first Origin is cached with the object
  rule-added-without-purge   # why a purge is needed after adding a rule
  fonts-vs-video             # fonts are CORS-checked, <video> without crossorigin is not
  vary-honoured              # what honouring Vary: Origin costs
)

swift build --product popsim >/dev/null
for name in "${scenarios[@]}"; do
  rm -rf "notebooks-export/$name"
  .build/debug/popsim run "scenarios/$name.json" --quiet >/dev/null
  echo "notebooks-export/$name/"
done
