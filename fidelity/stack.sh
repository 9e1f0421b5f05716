#!/usr/bin/env bash
# The real POP stack on loopback for one popsim scenario variant (see stack.py):
#   fidelity/stack.sh start SCENARIO VARIANT [STATE_DIR] origin server(s) + one nginx per POP (default
#                                                        STATE_DIR: a new temporary folder, printed)
#   fidelity/stack.sh stop STATE_DIR                     stops exactly those processes, removes STATE_DIR
# Installs nginx first when it is absent (apt-get install -y nginx).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
case "${1:-}" in
  start) "$here/install-deps.sh" nginx; exec python3 "$here/stack.py" "$@" ;;
  stop) exec python3 "$here/stack.py" "$@" ;;
  *) sed -n '2,6p' "$0" >&2; exit 2 ;;
esac
