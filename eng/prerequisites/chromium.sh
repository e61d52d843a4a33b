#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard browser test (tests/InvoiceOcr.Samples.WebApi.Tests), which drives
# /usr/bin/chromium with Microsoft.Playwright and never downloads a browser. Idempotent and quiet: does nothing when
# the browser is already there. Needs root (CI runs it as root) or passwordless sudo.
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo -n)
else
  echo "chromium.sh: /usr/bin/chromium is missing and this user cannot install it (run as root: apt-get install chromium)." >&2
  exit 1
fi

echo "== installing chromium (Debian package) for the dashboard browser test"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq chromium >/dev/null
[[ -x /usr/bin/chromium ]] || { echo "chromium.sh: apt-get finished but /usr/bin/chromium is still missing." >&2; exit 1; }
