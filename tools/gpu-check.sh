#!/usr/bin/env bash
# gpu-check.sh: what works on a CUDA machine. Run it there from a checkout:
#
#   tools/gpu-check.sh                      # builds the CLI with -p:TorchBackend=cuda (needs the .NET SDK and the
#                                           # libtorch-cuda NuGet packages) and runs every check
#   LORA=/path/to/lora tools/gpu-check.sh   # or use a CLI published elsewhere (self-contained `lora` or `lora.dll`)
#   GPU_CHECK_DEVICE=cpu tools/gpu-check.sh # rehearsal without a GPU: every step with cpu in place of cuda
#   tools/gpu-check.sh --python-only DIR    # no .NET here: only the transformers + peft parity of a DIR written
#                                           # by an earlier run of this script (DIR/parity)
#
# Checks, each printed as PASS/FAIL/SKIP with its numbers, then one verdict line:
#   1. `lora info` lists at least one CUDA device;
#   2. logits of every fixture model (tests/LoraPipeline.Tests/Fixtures/models) on cuda equal those on cpu (f32, 1e-3);
#   3. one short bf16 training run on cuda per recomputation mode (none, selective, full) and one QLoRA run (NF4
#      base), each with its peak GPU memory (nvidia-smi, sampled every 100 ms, less the idle reading) beside the
#      Plan's one-GPU estimate for the same settings;
#   4. with python3 + torch + transformers + peft: our adapter and our merged checkpoint loaded by transformers/peft
#      give our logits (tools/peft_parity.py), and our NF4 checkpoint loaded with bitsandbytes, when installed.
# Nothing here is needed by the test suite; the exit status is 0 only when no check failed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/artifacts/gpu-check}
IDS="1 2 3 4 5 6 7 8 9 10 11 12"
DEVICE=${GPU_CHECK_DEVICE:-cuda}
FAILED=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; FAILED=1; }
skip() { echo "SKIP $*"; }
have() { command -v "$1" >/dev/null 2>&1; }
mkdir -p "$OUT"

python_parity() {
  local dir=$1
  if ! have python3 || ! python3 -c "import torch, transformers, peft" 2>/dev/null; then
    skip "transformers/peft parity: python3 with torch, transformers and peft not found"; return
  fi
  if python3 "$ROOT/tools/peft_parity.py" --dir "$dir"; then pass "transformers/peft parity (tools/peft_parity.py)"
  else fail "transformers/peft parity (tools/peft_parity.py)"; fi
}

if [ "${1:-}" = "--python-only" ]; then
  python_parity "${2:?--python-only DIR}"
  [ $FAILED = 0 ] && echo "verdict: PASS" || echo "verdict: FAIL"
  exit $FAILED
fi

# The CLI: given, or built here for CUDA.
if [ -n "${LORA:-}" ]; then
  case "$LORA" in *.dll) RUN=(dotnet "$LORA") ;; *) RUN=("$LORA") ;; esac
elif have dotnet; then
  echo "building the CLI with -p:TorchBackend=cuda ..."
  if ! dotnet build "$ROOT/src/LoraPipeline.Cli" -c Release -p:TorchBackend=cuda >"$OUT/build.log" 2>&1; then
    fail "build with -p:TorchBackend=cuda (see $OUT/build.log)"; echo "verdict: FAIL"; exit 1
  fi
  RUN=(dotnet "$ROOT/src/LoraPipeline.Cli/bin/Release/net10.0/lora.dll")
else
  fail "no .NET SDK and no LORA=...; publish the CLI elsewhere (dotnet publish src/LoraPipeline.Cli -c Release -r linux-x64 --self-contained -p:TorchBackend=cuda) and pass LORA"
  echo "verdict: FAIL"; exit 1
fi
lora() { "${RUN[@]}" "$@"; }

# 1. Devices.
if [ "$DEVICE" != cuda ]; then skip "lora info: rehearsal on $DEVICE"
elif lora info | tee "$OUT/info.txt" | grep -q "^  cuda:0"; then pass "lora info: $(grep -c '^  cuda:' "$OUT/info.txt") CUDA device(s)"; grep '^  cuda:' "$OUT/info.txt"
else fail "lora info lists no CUDA device:"; cat "$OUT/info.txt"; echo "verdict: FAIL"; exit 1; fi

max_diff() { # two `lora logits` JSON files -> largest absolute difference
  python3 -c 'import json,sys
a=json.load(open(sys.argv[1]))["logits"]; b=json.load(open(sys.argv[2]))["logits"]
print(max(abs(x-y) for r,s in zip(a,b) for x,y in zip(r,s)))' "$1" "$2"
}

# 2. Logits cuda vs cpu.
for model in "$ROOT"/tests/LoraPipeline.Tests/Fixtures/models/*/; do
  name=$(basename "$model")
  if lora logits --model "$model" --ids "$IDS" --dtype f32 --device cpu --out "$OUT/$name.cpu.json" >/dev/null &&
     lora logits --model "$model" --ids "$IDS" --dtype f32 --device "$DEVICE" --out "$OUT/$name.cuda.json" >/dev/null; then
    if have python3; then
      d=$(max_diff "$OUT/$name.cpu.json" "$OUT/$name.cuda.json")
      if python3 -c "import sys; sys.exit(0 if float('$d') <= 1e-3 else 1)"; then pass "logits $name: max |cuda - cpu| = $d"
      else fail "logits $name: max |cuda - cpu| = $d > 1e-3"; fi
    else skip "logits $name: ran on cuda, no python3 to compare"; fi
  else fail "logits $name: lora logits failed"; fi
done

# 3. Training on cuda per recomputation mode, and QLoRA; peak memory beside the Plan.
SHORT=(--config "$ROOT/configs/default.yaml" --set train.device="$DEVICE" --set train.precision=bf16 --set train.max_steps=4
       --set train.val_check_interval=2 --set train.global_batch_size=4 --set train.micro_batch_size=2 --set train.warmup_steps=1)
idle=$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 2>/dev/null | head -1)
train_run() { # label, extra --set arguments...
  local label=$1; shift
  local art="$OUT/art-$label"; rm -rf "$art"
  for stage in download convert prepare; do
    lora "$stage" "${SHORT[@]}" "$@" --artifacts "$art" >"$OUT/$label.$stage.log" 2>&1 || { fail "$label: $stage failed (see $OUT/$label.$stage.log)"; return; }
  done
  local samples="$OUT/$label.memory.csv"
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i 0 -lms 100 >"$samples" 2>/dev/null & local sampler=$!
  lora train "${SHORT[@]}" "$@" --artifacts "$art" >"$OUT/$label.train.log" 2>&1; local rc=$?
  kill $sampler 2>/dev/null; wait $sampler 2>/dev/null
  local peak; peak=$(sort -n "$samples" | tail -1)
  local used="n/a (no nvidia-smi)"; [ -n "$peak" ] && used="$(( peak - ${idle:-0} )) MiB above idle"
  # One GPU per the Plan: its tensors plus 10 % workspace and the 1 GiB constant (see the plan output).
  local plan; plan=$(lora plan --model "$art/convert/config.json" --seq-len 384 --micro-batch-size 2 --dtype bf16 "${PLAN_ARGS[@]}" 2>/dev/null | grep -o -m1 "training tensors [0-9.]* [KMG]iB" || true)
  if [ $rc = 0 ]; then pass "train $label on $DEVICE (bf16, 4 steps): peak GPU memory $used; Plan: ${plan:-n/a} (+10 % workspace and the CUDA context)"
  else fail "train $label on $DEVICE: exit $rc (see $OUT/$label.train.log)"; tail -5 "$OUT/$label.train.log"; fi
}
for mode in none selective full; do
  PLAN_ARGS=(--activation-checkpointing "$mode")
  train_run "$mode" --set train.activation_checkpointing="$mode"
done
PLAN_ARGS=(--activation-checkpointing none --quantize nf4)
train_run qlora --set model.quantization=nf4

# 4. transformers + peft parity of what we wrote (adapter and merged checkpoint of the `none` run, the NF4 base).
parity="$OUT/parity"; rm -rf "$parity"; mkdir -p "$parity"
if [ -d "$OUT/art-none/train/adapter" ]; then
  cp -r "$OUT/art-none/convert" "$parity/base"; cp -r "$OUT/art-none/train/adapter" "$parity/adapter"
  [ -d "$OUT/art-qlora/convert" ] && cp -r "$OUT/art-qlora/convert" "$parity/nf4"
  lora merge --model "$parity/base" --adapter "$parity/adapter" --out "$parity/merged" --dtype f32 >/dev/null &&
  lora logits --model "$parity/base" --adapter "$parity/adapter" --ids "$IDS" --dtype f32 --out "$parity/ours-adapter.json" >/dev/null &&
  lora logits --model "$parity/merged" --ids "$IDS" --dtype f32 --out "$parity/ours-merged.json" >/dev/null &&
  { [ ! -d "$parity/nf4" ] || lora logits --model "$parity/nf4" --ids "$IDS" --dtype f32 --out "$parity/ours-nf4.json" >/dev/null; } &&
  echo "$IDS" >"$parity/ids.txt" || fail "writing the parity files"
  python_parity "$parity"
else skip "parity: no trained adapter"; fi

[ $FAILED = 0 ] && echo "verdict: PASS" || echo "verdict: FAIL"
exit $FAILED
