# Bootstrap: restore the pinned Cake runner, then run the task graph in build/build.cake.
# Usage: ./build.ps1 --target=Evaluate [--config=configs/x.yaml] [--set=train.lr=2e-4 ...]
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
dotnet tool restore | Out-Null
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
dotnet cake build/build.cake @args
exit $LASTEXITCODE
