#!/usr/bin/env bash
# CI smoke of the benchmarks: builds the BenchmarkDotNet executable in Release and runs the macro "load" mode for about
# a second per phase against the in-process emulator. It proves the harness works; its numbers mean nothing (see
# benchmarks/RESULTS.md for real runs).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

project=benchmarks/InvoiceOcr.Sdk.Benchmarks
echo "== build benchmarks (Release)"
dotnet build "$project" -c Release -nologo -clp:ErrorsOnly

echo "== load smoke"
dotnet run -c Release --no-build --project "$project" -- load --smoke
