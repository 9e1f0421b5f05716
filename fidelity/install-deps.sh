#!/usr/bin/env bash
# Installs what the fidelity checks need from Debian, only when it is missing:
#   install-deps.sh [nginx] [chromium]      (no argument: both)
# Equivalent to `apt-get update && apt-get install -y nginx chromium`, and a no-op when they are
# already installed. Package post-install scripts are kept from starting the system nginx
# service on port 80 (the stack runs its own instances on loopback ports).
set -euo pipefail
want=("$@")
[ ${#want[@]} -eq 0 ] && want=(nginx chromium)
missing=()
for p in "${want[@]}"; do
  case "$p" in
    nginx) command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx) ;;
    chromium) command -v chromium >/dev/null 2>&1 || missing+=(chromium) ;;
    *) echo "install-deps.sh: unknown package $p" >&2; exit 2 ;;
  esac
done
command -v python3 >/dev/null 2>&1 || missing+=(python3)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: ${missing[*]} missing; run as root or install them: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && made_policy=1
fi
trap 'if [ $made_policy -eq 1 ]; then rm -f "$policy"; fi' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
