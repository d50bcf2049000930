#!/usr/bin/env bash
# gpu-device.sh: the GPU checks on a CUDA machine that has PyTorch (with transformers and peft) but no .NET, from a
# checkout carrying what tools/gpu-bundle.sh wrote (artifacts/gpu-bundle).
#
#   tools/gpu-device.sh cli      # our CLI with the libtorch inside this machine's PyTorch (TorchSharp's own
#                                # libLibTorchSharp.so, built for libtorch 2.10), then tools/gpu-check.sh with it
#   tools/gpu-device.sh parity   # tools/peft_parity.py on the adapter, merged and NF4 checkpoints written elsewhere
#
# Results go to $OUT (default artifacts/gpu-device); the exit status is gpu-check.sh's, or 1 when the CLI cannot run.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUNDLE=${BUNDLE:-$ROOT/artifacts/gpu-bundle}
OUT=${OUT:-$ROOT/artifacts/gpu-device}
WORK=${WORK:-$(mktemp -d)}
case "${1:-}" in cli|parity) ;; *) sed -n '2,9p' "$0"; exit 2 ;; esac
mkdir -p "$OUT"
python3 -c 'import torch; print(f"PyTorch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.device_count()} GPU(s)")' || exit 1

case "${1:-}" in
parity)
  tar -C "$WORK" -xJf "$BUNDLE/parity.tar.xz" || exit 1
  exec "$ROOT/tools/gpu-check.sh" --python-only "$WORK/parity" ;;
cli)
  tar -C "$WORK" -xJf "$BUNDLE/lora-cli.tar.xz" || exit 1
  app="$WORK/lora-cli"
  # A self-contained .NET app needs libicu for culture data unless told otherwise; the CLI formats invariantly anyway.
  export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=${DOTNET_SYSTEM_GLOBALIZATION_INVARIANT:-1}
  lib=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
  # PyTorch's wheels find CUDA's libraries in site-packages/nvidia/*/lib through their RPATH; a library reached
  # through a link in the app folder may not, so those folders go on the search path too.
  nvidia=$(python3 -c 'import glob, os, torch; print(":".join(glob.glob(os.path.join(os.path.dirname(os.path.dirname(torch.__file__)), "nvidia", "*", "lib"))))')
  export LD_LIBRARY_PATH="$lib${nvidia:+:$nvidia}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  for f in "$lib"/*.so*; do ln -sf "$f" "$app/"; done # TorchSharp looks for torch_cuda beside TorchSharp.dll
  undefined=$(ldd -r "$app/libLibTorchSharp.so" 2>&1 | grep 'undefined symbol' || true)
  echo "libLibTorchSharp.so (TorchSharp 0.107, built for libtorch 2.10) against $lib: $(grep -c . <<<"$undefined" || true) undefined symbol(s)" | tee "$OUT/abi.txt"
  head -20 <<<"$undefined" | c++filt >>"$OUT/abi.txt"
  if ! "$app/lora" info >"$OUT/info.txt" 2>&1; then
    echo "FAIL our CLI does not start on this PyTorch's libtorch:"; head -5 "$OUT/abi.txt"; tail -5 "$OUT/info.txt"
    echo "verdict: FAIL"; exit 1
  fi
  cat "$OUT/info.txt"
  OUT="$OUT/check" LORA="$app/lora" exec "$ROOT/tools/gpu-check.sh" ;;
esac
