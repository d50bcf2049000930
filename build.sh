#!/usr/bin/env bash
# Bootstrap: restore the pinned Cake runner, then run the task graph in build/build.cake.
# Usage: ./build.sh --target=Evaluate [--config=configs/x.yaml] [--set=train.lr=2e-4 ...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet tool restore > /dev/null

target=""
previous=""
for arg in "$@"; do
  case "$arg" in
    --target=*|-t=*) target="${arg#*=}" ;;
    *) if [[ "$previous" == "--target" || "$previous" == "-t" ]]; then target="$arg"; fi ;;
  esac
  previous="$arg"
done

summary=artifacts/test-results/summary.txt
rm -f "$summary"
status=0
dotnet cake build/build.cake "$@" || status=$?
# The Test target's summary is printed last, after Cake's own task report, as the closing line.
if [[ "${target,,}" == "test" && -f "$summary" ]]; then
  cat "$summary"
fi
exit "$status"
