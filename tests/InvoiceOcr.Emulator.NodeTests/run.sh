#!/usr/bin/env bash
# The judge: drives the emulator with Google's official JavaScript client (@google/genai, version pinned in
# package-lock.json, installed here from npm) and compares every answer with the recorded fixtures.
# Starts the emulator on a free loopback port, runs `node --test`, stops the emulator. Needs node >= 20 and dotnet.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

npm ci --no-audit --no-fund --loglevel=error >/dev/null
dotnet build "$root/src/InvoiceOcr.Emulator/InvoiceOcr.Emulator.csproj" -c Release -clp:ErrorsOnly -nologo -v q >/dev/null

log="$(mktemp)"
dotnet "$root/src/InvoiceOcr.Emulator/bin/Release/net10.0/InvoiceOcr.Emulator.dll" --port 0 --config "$here/emulator.json" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

url=""
for _ in $(seq 1 300); do
  url="$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$log" | head -n 1 || true)"
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "The emulator did not start:"; cat "$log"; exit 1; }
echo "Emulator at ${url} (pid ${pid})"

EMULATOR_URL="$url" GEMINI_FIXTURES="${GEMINI_FIXTURES:-$root/../shared/fixtures/gemini}" \
  node --test --test-concurrency=1 tests/
