#!/usr/bin/env bash
# Runs every test of the repository on a fresh machine: installs what the tests need, builds everything,
# runs all test projects, then packs the four NuGet packages and proves them usable from a consumer project
# that references them by package (not by project). The benchmarks get a seconds-long smoke run, never the full runs.
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
set -e

# One closing line for the whole run, summed over the test assemblies.
awk '/(Passed|Failed)! +- Failed: /{ gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "Total: %d passed, %d failed, %d skipped\n", p, f, s }' "$artifacts/test-results/console.log"
if [[ $test_status -ne 0 ]]; then
  echo "Tests failed (exit $test_status)." >&2
  exit "$test_status"
fi

echo "== benchmark smoke"
bash eng/bench-smoke.sh

echo "== pack and consume"
version_suffix="ci.$(date -u +%Y%m%d%H%M%S)"
dotnet pack InvoiceOcr.Sdk.sln -c "$configuration" -nologo -clp:ErrorsOnly --version-suffix "$version_suffix" -o "$artifacts/packages"
package_version=$(ls "$artifacts/packages" | sed -n 's/^InvoiceOcr\.Sdk\.\([0-9].*\)\.nupkg$/\1/p' | head -n 1)
for package in InvoiceOcr.Sdk InvoiceOcr.Sdk.Relational InvoiceOcr.Sdk.Sqlite InvoiceOcr.Sdk.SqlServer; do
  [[ -f "$artifacts/packages/$package.$package_version.nupkg" ]] || { echo "Missing package $package $package_version" >&2; exit 1; }
done
dotnet run --project eng/package-consumer -c "$configuration" -p:InvoiceOcrPackageVersion="$package_version" \
  -p:RestoreAdditionalProjectSources="$artifacts/packages"
echo "Packages $package_version build and run from a consumer project."
