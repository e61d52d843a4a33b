#!/usr/bin/env bash
# Regenerates PublicAPI.Unshipped.txt of every packable project under src/ from the current code, then builds each
# project to prove the lists are complete (RS0016/RS0017 are errors). Run it after a change to the public API — yours
# or a merge's — and review the diff: every added line is a promise to users.
#   eng/update-public-api.sh             all packable projects under src/
#   eng/update-public-api.sh src/X/X.csproj ...   only those
# PublicAPI.Shipped.txt is never touched: at a release, move the Unshipped lines into it by hand. A member removed
# after it shipped stays an RS0017 error until its Shipped line is deleted or prefixed with *REMOVED*.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [[ $# -gt 0 ]]; then
  projects=("$@")
else
  projects=()
  for project in src/*/*.csproj; do
    [[ $(dotnet msbuild "$project" -getProperty:IsPackable) == true ]] && projects+=("$project")
  done
fi

for project in "${projects[@]}"; do
  dir=$(dirname "$project")
  echo "== $project"
  [[ -f $dir/PublicAPI.Shipped.txt ]] || printf '#nullable enable\n' > "$dir/PublicAPI.Shipped.txt"
  # Start the Unshipped list afresh, so members removed or renamed since the last run leave it too.
  printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
  # The analyzer's own code fix (RS0016: "add to the public API") writes every public member not yet Shipped.
  dotnet format analyzers "$project" --diagnostics RS0016 --severity warn --verbosity quiet || true
  # Keep the list in the analyzer's order (ordinal), so merges of two branches' lists conflict as little as possible.
  { head -n 1 "$dir/PublicAPI.Unshipped.txt"; tail -n +2 "$dir/PublicAPI.Unshipped.txt" | LC_ALL=C sort -u; } > "$dir/PublicAPI.Unshipped.txt.tmp"
  mv "$dir/PublicAPI.Unshipped.txt.tmp" "$dir/PublicAPI.Unshipped.txt"
  echo "   $(($(wc -l < "$dir/PublicAPI.Unshipped.txt") - 1)) unshipped, $(($(wc -l < "$dir/PublicAPI.Shipped.txt") - 1)) shipped entries"
done

echo "== verify (RS0016/RS0017 are build errors)"
for project in "${projects[@]}"; do
  dotnet build "$project" -c Release -nologo -clp:ErrorsOnly
done
echo "Public API lists are current."
