#!/usr/bin/env bash
# Runs every test of the repository on a fresh machine: installs what the tests need, builds everything,
# runs all test projects, the emulator's judge (Google's official JavaScript client) and the intake fuzz run, then packs
# the NuGet packages and proves them usable from consumer projects that reference them by package (not by project), one
# of them pinned to Microsoft.Extensions.* 10.0.0. The benchmarks get a seconds-long smoke run, never the full runs.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

configuration=${CONFIGURATION:-Release}
artifacts="$PWD/artifacts"
rm -rf "$artifacts/test-results" "$artifacts/packages"
mkdir -p "$artifacts/test-results" "$artifacts/packages"

# Prerequisites that tests need (each script is idempotent and quiet when nothing is missing).
for prerequisite in eng/prerequisites/*.sh; do
  [[ -e $prerequisite ]] && bash "$prerequisite"
done

echo "== build ($configuration)"
dotnet build InvoiceOcr.Sdk.sln -c "$configuration" -nologo -clp:ErrorsOnly

echo "== test"
set +e
dotnet test InvoiceOcr.Sdk.sln -c "$configuration" --no-build -nologo --blame-hang-timeout 5m \
  --logger "trx" --results-directory "$artifacts/test-results" 2>&1 | tee "$artifacts/test-results/console.log"
test_status=${PIPESTATUS[0]}

# The emulator judged by a client we did not write: Google's official JavaScript client (@google/genai, pinned).
echo "== emulator vs @google/genai"
bash tests/InvoiceOcr.Emulator.NodeTests/run.sh 2>&1 | tee "$artifacts/test-results/node.log"
node_status=${PIPESTATUS[0]}

# Hostile input: 10,000 seeded mutations of the shared corpus through intake and the e-invoice reader (exits non-zero
# on a crash, a model call for a rejected input, a time-out or unbounded memory).
echo "== fuzz (intake and e-invoice reader)"
dotnet run --project tests/InvoiceOcr.Fuzz -c "$configuration" --no-build -- --inputs 10000 --seed 14 2>&1 | tee "$artifacts/test-results/fuzz.log"
fuzz_status=${PIPESTATUS[0]}
set -e

# One closing line for the whole run, summed over the test assemblies and the node judge's tests.
awk '/(Passed|Failed)! +- Failed: /{ gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     /^# pass [0-9]+$/ { p += $3 } /^# fail [0-9]+$/ { f += $3 } /^# skipped [0-9]+$/ { s += $3 }
     END { printf "Total: %d passed, %d failed, %d skipped\n", p, f, s }' "$artifacts/test-results/console.log" "$artifacts/test-results/node.log"
if [[ $test_status -ne 0 || $node_status -ne 0 || $fuzz_status -ne 0 ]]; then
  # The failures again, last, so that a CI log cut to its tail still names them: each failed test with its message.
  echo "== failed tests"
  grep -h -A 3 -E '^\s+Failed [A-Za-z_.]+' "$artifacts/test-results/console.log" | cut -c1-400 || true
  grep -h -B 1 -E '^not ok ' "$artifacts/test-results/node.log" || true
  echo "Tests failed (dotnet test exit $test_status, node judge exit $node_status, fuzz exit $fuzz_status)." >&2
  exit 1
fi

echo "== benchmark smoke"
bash eng/bench-smoke.sh

echo "== pack and consume"
version_suffix="ci.$(date -u +%Y%m%d%H%M%S)"
dotnet pack InvoiceOcr.Sdk.sln -c "$configuration" -nologo -clp:ErrorsOnly --version-suffix "$version_suffix" -o "$artifacts/packages"
package_version=$(ls "$artifacts/packages" | sed -n 's/^InvoiceOcr\.Sdk\.\([0-9].*\)\.nupkg$/\1/p' | head -n 1)
for package in InvoiceOcr.Sdk InvoiceOcr.Sdk.Relational InvoiceOcr.Sdk.Sqlite InvoiceOcr.Sdk.SqlServer InvoiceOcr.Sdk.PostgreSql InvoiceOcr.Sdk.Caching InvoiceOcr.Sdk.AI; do
  [[ -f "$artifacts/packages/$package.$package_version.nupkg" ]] || { echo "Missing package $package $package_version" >&2; exit 1; }
done
dotnet run --project eng/package-consumer -c "$configuration" -p:InvoiceOcrPackageVersion="$package_version" \
  -p:RestoreAdditionalProjectSources="$artifacts/packages"
echo "Packages $package_version build and run from a consumer project."
# Libraries depend on the lowest Microsoft.Extensions.* that works: a consumer pinned to 10.0.0 restores (NU1605 is an error there) and runs.
dotnet run --project eng/package-consumer -c "$configuration" -p:InvoiceOcrPackageVersion="$package_version" \
  -p:RestoreAdditionalProjectSources="$artifacts/packages" -p:InvoiceOcrConsumerExtensionsVersion=10.0.0
echo "Packages $package_version restore and run in a consumer pinned to Microsoft.Extensions.* 10.0.0."
