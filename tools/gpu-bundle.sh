#!/usr/bin/env bash
# gpu-bundle.sh: prepare, on a machine with the .NET SDK, what a CUDA machine without .NET needs for the GPU checks.
#
#   tools/gpu-bundle.sh        # writes artifacts/gpu-bundle/{lora-cli.tar.xz,parity.tar.xz}
#
# lora-cli.tar.xz: the CLI published self-contained for linux-x64 without libtorch's natives (about 36 MB): on the
#   CUDA machine, tools/gpu-device.sh cli uses the libtorch inside that machine's PyTorch, if TorchSharp accepts it.
# parity.tar.xz: what tools/peft_parity.py compares (our adapter, merged and NF4 checkpoints and their logits),
#   written by a cpu rehearsal of tools/gpu-check.sh, for tools/gpu-device.sh parity.
# Each archive is under 64 MiB, so one device call can carry it (the two in separate calls).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/artifacts/gpu-bundle}
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

echo "publishing the CLI (self-contained, linux-x64) ..."
dotnet publish "$ROOT/src/LoraPipeline.Cli" -c Release -r linux-x64 --self-contained -o "$WORK/lora-cli" >"$WORK/publish.log" 2>&1 ||
  { tail -20 "$WORK/publish.log"; exit 1; }
# libtorch and the libraries it ships come from the CUDA machine's PyTorch; TorchSharp's own libLibTorchSharp.so stays.
find "$WORK/lora-cli" -maxdepth 1 \( -name 'libtorch*.so*' -o -name 'libc10*.so*' -o -name 'libgomp*.so*' -o -name 'libshm.so' \
  -o -name 'libaoti_custom_ops.so' -o -name 'libbackend_with_compiler.so' -o -name 'libjitbackend_test.so' \
  -o -name 'libnnapi_backend.so' -o -name 'libtorchbind_test.so' \) -delete
tar -C "$WORK" -cJf "$WORK/lora-cli.tar.xz" lora-cli && mv "$WORK/lora-cli.tar.xz" "$OUT/"

echo "writing the parity files (cpu rehearsal of gpu-check.sh) ..."
GPU_CHECK_DEVICE=cpu OUT="$WORK/check" LORA="$WORK/lora-cli/lora.dll" LD_LIBRARY_PATH="$ROOT/src/LoraPipeline.Cli/bin/Release/net10.0/runtimes/linux-x64/native:${LD_LIBRARY_PATH:-}" \
  "$ROOT/tools/gpu-check.sh" >"$WORK/check.log" 2>&1 || true
grep -E '^(PASS|FAIL|SKIP)|^verdict' "$WORK/check.log" || true
[ -f "$WORK/check/parity/ids.txt" ] || { echo "no parity files were written (see the log above)"; exit 1; }
tar -C "$WORK/check" -cJf "$WORK/parity.tar.xz" parity && mv "$WORK/parity.tar.xz" "$OUT/"

ls -l "$OUT"
echo "on the CUDA machine (from a checkout carrying artifacts/gpu-bundle):"
echo "  tools/gpu-device.sh cli      # the CLI on cuda with PyTorch's libtorch, then gpu-check.sh with it"
echo "  tools/gpu-device.sh parity   # transformers + peft (+ bitsandbytes) on what we wrote here"
