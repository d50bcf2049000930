#!/usr/bin/python3
"""Writes the LoRA layer golden: a tiny linear layer with a bias, LoRA factors A [r, in] and B [out, r], an input
batch, and the expected outputs of y = W x + b + s * B (A x) with s = alpha / r (LoRA) and s = alpha / sqrt(r)
(rsLoRA), plus the merged weight W + s * B @ A.

Independent of the C# code under test: plain float64 PyTorch (torch.nn.functional.linear), no PEFT.

Run with Debian's interpreter (python3-torch):
    /usr/bin/python3 tests/scripts/make_lora_golden.py
Output: tests/LoraPipeline.Tests/Fixtures/lora/lora_linear_golden.json
"""
import json
import math
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "LoraPipeline.Tests", "Fixtures", "lora", "lora_linear_golden.json")

IN, OUT_FEATURES, R, ALPHA = 6, 4, 3, 5.0


def rounded(t):
    # Values exactly representable in float32, so the C# side can load them without rounding.
    return t.to(torch.float32).to(torch.float64)


def main():
    g = torch.Generator().manual_seed(20261128)
    w = rounded(torch.randn(OUT_FEATURES, IN, generator=g, dtype=torch.float64) * 0.5)
    b = rounded(torch.randn(OUT_FEATURES, generator=g, dtype=torch.float64) * 0.1)
    a = rounded(torch.randn(R, IN, generator=g, dtype=torch.float64) * 0.4)
    bb = rounded(torch.randn(OUT_FEATURES, R, generator=g, dtype=torch.float64) * 0.3)
    x = rounded(torch.randn(2, IN, generator=g, dtype=torch.float64))
    cases = {}
    for name, scale in (("lora", ALPHA / R), ("rslora", ALPHA / math.sqrt(R))):
        base = torch.nn.functional.linear(x, w, b)
        update = torch.nn.functional.linear(torch.nn.functional.linear(x, a), bb)
        cases[name] = {
            "scale": scale,
            "y": (base + scale * update).tolist(),
            "merged_weight": (w + scale * (bb @ a)).tolist(),
        }
    golden = {
        "in_features": IN, "out_features": OUT_FEATURES, "r": R, "alpha": ALPHA,
        "weight": w.tolist(), "bias": b.tolist(), "lora_A": a.tolist(), "lora_B": bb.tolist(), "x": x.tolist(),
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
