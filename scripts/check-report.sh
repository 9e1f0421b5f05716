#!/usr/bin/env bash
# Checks a generated report.html in a real browser (headless Chromium):
#   - it is self-contained: no scripts, no stylesheets, fonts, images or frames from elsewhere;
#   - it renders: Chromium writes a screenshot at 1280 px wide;
#   - the browser's console stays empty (any console message fails the check).
# Usage: scripts/check-report.sh [SCENARIO] [OUTDIR]
#   SCENARIO defaults to scenarios/rule-added-without-purge.json, OUTDIR to .build/report-check.
#   The screenshot is OUTDIR/report.png (HEIGHT=2000 by default; HEIGHT=6000 for the whole page).
# Needs Debian's chromium (apt-get install -y chromium) or CHROMIUM=/path/to/chrome.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:-scenarios/rule-added-without-purge.json}"
out="${2:-.build/report-check}"
height="${HEIGHT:-2000}"
export PATH="/opt/swift/usr/bin:$PATH"

chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
if [ -z "$chromium" ]; then
  echo "check-report: chromium not found (Debian: apt-get install -y chromium; or set CHROMIUM)" >&2
  exit 2
fi

swift build --product popsim >/dev/null
rm -rf "$out"
mkdir -p "$out"
.build/debug/popsim run "$scenario" --out "$out/bundle" --quiet >/dev/null
report="$(cd "$out/bundle" && pwd)/report.html"

# Self-contained: nothing that would load another resource.
if grep -nE '<script|<link|<iframe|<img|<object|<embed|@import|url\(' "$report"; then
  echo "check-report: FAIL: $report loads or runs something (lines above)" >&2
  exit 1
fi
if grep -nE '(src|href)="(https?:)?//' "$report"; then
  echo "check-report: FAIL: $report refers to another site (lines above)" >&2
  exit 1
fi

# Render it. Console messages appear on stderr as lines with "CONSOLE".
"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --enable-logging=stderr --v=0 --window-size="1280,$height" \
  --screenshot="$out/report.png" "file://$report" >"$out/chromium.log" 2>&1 || {
  cat "$out/chromium.log" >&2
  echo "check-report: FAIL: chromium exited with an error" >&2
  exit 1
}
if grep -n 'CONSOLE' "$out/chromium.log"; then
  echo "check-report: FAIL: console messages while rendering $report (lines above)" >&2
  exit 1
fi
size=$(wc -c <"$out/report.png")
if [ "$size" -lt 20000 ]; then
  echo "check-report: FAIL: the screenshot $out/report.png is only $size bytes: nothing rendered?" >&2
  exit 1
fi
echo "check-report: ok: $report renders without console messages; screenshot $out/report.png ($size bytes)"
