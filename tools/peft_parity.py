#!/usr/bin/env python3
"""Our adapters and checkpoints as Hugging Face's own libraries read them (used by tools/gpu-check.sh).

DIR (written by gpu-check.sh) holds: base/ (our converted base), adapter/ (our PEFT adapter), merged/ (our
`lora merge` output), optionally nf4/ (our `convert --quantize nf4` output), ids.txt, and our float32 logits for
the same ids: ours-adapter.json, ours-merged.json, ours-nf4.json. This script computes the logits with
transformers + peft (float32, eval mode) and compares: the adapter through PeftModel.from_pretrained, the merged
folder through AutoModelForCausalLM, and the NF4 folder through transformers' bitsandbytes loader (CUDA and
bitsandbytes needed; skipped otherwise). Exit 1 when a difference exceeds the tolerance.
"""
import argparse
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM


def logits_of(model, ids):
    with torch.no_grad():
        device = next(model.parameters()).device
        out = model(torch.tensor([ids], device=device)).logits[0]
    return out.float().cpu()


def ours(path):
    with open(path) as f:
        return torch.tensor(json.load(f)["logits"], dtype=torch.float32)


def compare(label, theirs, mine, tolerance):
    diff = (theirs - mine).abs().max().item()
    ok = diff <= tolerance
    print(f"{'PASS' if ok else 'FAIL'} {label}: max |transformers - lora| = {diff:.3e} (tolerance {tolerance:g})")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    d = args.dir
    ids = [int(t) for t in open(os.path.join(d, "ids.txt")).read().split()]
    ok = True

    from peft import PeftModel
    base = AutoModelForCausalLM.from_pretrained(os.path.join(d, "base"), torch_dtype=torch.float32).eval()
    with_adapter = PeftModel.from_pretrained(base, os.path.join(d, "adapter")).eval()
    ok &= compare("adapter via peft.PeftModel", logits_of(with_adapter, ids), ours(os.path.join(d, "ours-adapter.json")), args.tolerance)
    merged = AutoModelForCausalLM.from_pretrained(os.path.join(d, "merged"), torch_dtype=torch.float32).eval()
    ok &= compare("merged checkpoint via AutoModelForCausalLM", logits_of(merged, ids), ours(os.path.join(d, "ours-merged.json")), args.tolerance)

    nf4 = os.path.join(d, "nf4")
    if os.path.isdir(nf4):
        try:
            import bitsandbytes  # noqa: F401
        except ImportError:
            print("SKIP NF4 checkpoint: bitsandbytes not installed")
        else:
            if not torch.cuda.is_available():
                print("SKIP NF4 checkpoint: bitsandbytes' 4-bit loader wants CUDA")
            else:
                from transformers import BitsAndBytesConfig
                # Compute in float32 so the only difference from ours is where the products run.
                q = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                       bnb_4bit_compute_dtype=torch.float32)
                model = AutoModelForCausalLM.from_pretrained(nf4, quantization_config=q, torch_dtype=torch.float32, device_map={"": 0}).eval()
                ok &= compare("NF4 checkpoint via transformers + bitsandbytes", logits_of(model, ids), ours(os.path.join(d, "ours-nf4.json")), 1e-3)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
