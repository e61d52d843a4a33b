#!/usr/bin/env bash
# Installs Node.js and npm (Debian packages) for the emulator's official-client judge
# (tests/InvoiceOcr.Emulator.NodeTests, which installs @google/genai itself with `npm ci`). Idempotent and quiet: does
# nothing when node >= 20 and npm are already there. Needs root (CI runs it as root) or passwordless sudo.
set -euo pipefail

if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
   && [[ $(node -p 'process.versions.node.split(".")[0]') -ge 20 ]]; then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo -n)
else
  echo "node.sh: Node.js >= 20 with npm is missing and this user cannot install it (run as root: apt-get install nodejs npm)." >&2
  exit 1
fi

echo "== installing Node.js and npm (Debian packages) for the official-client emulator tests"
"${sudo[@]}" apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq nodejs npm >/dev/null
node --version
