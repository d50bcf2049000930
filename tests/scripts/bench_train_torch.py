#!/usr/bin/env python3
"""Independent PyTorch counterpart of `lora bench train` (run with Debian's /usr/bin/python3, torch 1.13).

Builds a random Llama decoder with its own forward pass (no transformers): RMSNorm in float32, rotate-half rotary
embeddings, grouped-query attention with a causal mask, SwiGLU MLP, untied LM head. The frozen weights are in the
requested dtype; LoRA adapters (A Kaiming-uniform, B zero, scale alpha/r, dropout on the adapter input) are float32
parameters whose path runs in float32. Each step: micro batch of random records, LM head on the label positions only
(the last half of each record), float32 cross-entropy summed and divided by the label count, backward, gradient
clipping at 1.0, torch.optim.AdamW over the adapter parameters only, zeroed gradients.

Prints progress lines and, last, one machine-readable line:
    torch_bench_result {"tokens_per_s": ..., "threads": ..., "torch": ..., "peak_rss_mib": ..., "matmul_flops": ...}
tokens_per_s counts all non-padding tokens processed (prompt and answer), warm-up steps excluded.
"""
import argparse
import json
import os
import math
import resource
import time

import torch
import torch.nn.functional as F

ATTN = ["q_proj", "k_proj", "v_proj", "o_proj"]
ALL = ATTN + ["gate_proj", "up_proj", "down_proj"]


class LoraLinear(torch.nn.Module):
    def __init__(self, base, r, alpha, dropout):
        super().__init__()
        self.base = base
        out_features, in_features = base.weight.shape
        self.lora_a = torch.nn.Parameter(torch.empty(r, in_features, dtype=torch.float32).uniform_(-1 / math.sqrt(in_features), 1 / math.sqrt(in_features)))
        self.lora_b = torch.nn.Parameter(torch.zeros(out_features, r, dtype=torch.float32))
        self.scale = alpha / r
        self.dropout = dropout

    def forward(self, x):
        result = self.base(x)
        h = x.float()
        if self.training and self.dropout > 0:
            h = F.dropout(h, self.dropout, True)
        update = F.linear(F.linear(h, self.lora_a), self.lora_b) * self.scale
        return result + update.to(result.dtype)


class RmsNorm(torch.nn.Module):
    def __init__(self, size, dtype, eps=1e-5):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(size, dtype=dtype), requires_grad=False)
        self.eps = eps

    def forward(self, x):
        h = x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * h.to(x.dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class Layer(torch.nn.Module):
    def __init__(self, a, dtype):
        super().__init__()
        h, d = a.hidden, a.hidden // a.heads
        self.heads, self.kv_heads, self.head_dim = a.heads, a.kv_heads, d
        lin = lambda i, o: torch.nn.Linear(i, o, bias=False, dtype=dtype)
        self.proj = torch.nn.ModuleDict({
            "q_proj": lin(h, a.heads * d), "k_proj": lin(h, a.kv_heads * d), "v_proj": lin(h, a.kv_heads * d),
            "o_proj": lin(a.heads * d, h), "gate_proj": lin(h, a.intermediate), "up_proj": lin(h, a.intermediate),
            "down_proj": lin(a.intermediate, h)})
        self.input_norm = RmsNorm(h, dtype)
        self.post_norm = RmsNorm(h, dtype)

    def attention(self, x, cos, sin, mask):
        b, s, _ = x.shape
        q = self.proj["q_proj"](x).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = self.proj["k_proj"](x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.proj["v_proj"](x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        repeats = self.heads // self.kv_heads
        k = k.repeat_interleave(repeats, 1)
        v = v.repeat_interleave(repeats, 1)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(~mask, float("-inf"))
        probs = torch.softmax(scores.float(), dim=-1).to(q.dtype)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, self.heads * self.head_dim)
        return self.proj["o_proj"](out)

    def forward(self, x, cos, sin, mask):
        h = x + self.attention(self.input_norm(x), cos, sin, mask)
        m = self.post_norm(h)
        return h + self.proj["down_proj"](F.silu(self.proj["gate_proj"](m)) * self.proj["up_proj"](m))


class Llama(torch.nn.Module):
    def __init__(self, a, dtype):
        super().__init__()
        self.embed = torch.nn.Embedding(a.vocab, a.hidden, dtype=dtype)
        self.layers = torch.nn.ModuleList([Layer(a, dtype) for _ in range(a.layers)])
        self.norm = RmsNorm(a.hidden, dtype)
        self.lm_head = torch.nn.Linear(a.hidden, a.vocab, bias=False, dtype=dtype)
        d = a.hidden // a.heads
        self.inv_freq = 1.0 / (10000.0 ** (torch.arange(0, d, 2, dtype=torch.float32) / d))

    def hidden(self, ids):
        b, s = ids.shape
        x = self.embed(ids)
        angles = torch.arange(s, dtype=torch.float32)[:, None] * self.inv_freq[None, :]
        both = torch.cat([angles, angles], -1)[None, None]
        cos, sin = both.cos().to(x.dtype), both.sin().to(x.dtype)
        mask = torch.ones(s, s, dtype=torch.bool).tril()[None, None]
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.norm(x)


def matmul_rate(n, dtype):
    """n x n x n products per second in dtype, timed for at least 1.5 s (after one untimed product)."""
    x, y = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    x @ y
    start, count = time.perf_counter(), 0
    while count < 3 or time.perf_counter() - start < 1.5:
        x @ y
        count += 1
    return 2.0 * n ** 3 * count / (time.perf_counter() - start)


def loaded_blas():
    """The BLAS libraries this process mapped (Debian's torch uses whatever libblas.so.3 the alternatives select)."""
    names = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                fields = line.split()
                base = os.path.basename(fields[-1]) if len(fields) >= 6 else ""
                if ".so" in base and any(k in base for k in ("blas", "mkl", "blis")):
                    names.add(os.path.realpath(fields[-1]))
    except OSError:
        return "unknown (no /proc/self/maps)"
    return ", ".join(sorted(names)) or "none mapped (statically linked, e.g. MKL in PyPI wheels)"


def peak_rss_mib():
    # VmHWM, not ru_maxrss: Linux carries the parent's maxrss across fork+exec into RUSAGE_SELF.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for name, default in [("layers", 12), ("hidden", 768), ("heads", 12), ("kv-heads", 4), ("intermediate", 2048), ("vocab", 32000),
                          ("seq-len", 512), ("micro-batch", 1), ("lora-r", 16), ("label-start", -1), ("steps", 30), ("warmup", 3),
                          ("threads", 0), ("seed", 1), ("matmul-size", 2048)]:
        p.add_argument("--" + name, type=int, default=default)
    p.add_argument("--lora-alpha", type=float, default=32.0)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument("--dtype", choices=["bf16", "f32"], default="bf16")
    p.add_argument("--targets", choices=["all", "attn"], default="all")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dtype = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    label_start = a.label_start if a.label_start >= 0 else a.seq_len // 2

    matmul_flops = matmul_rate(a.matmul_size, dtype)
    f32_matmul_flops = matmul_flops if dtype == torch.float32 else matmul_rate(a.matmul_size, torch.float32)
    blas = loaded_blas()
    print(f"blas: {blas}; matmul {a.dtype} {matmul_flops / 1e9:.1f} GFLOP/s, f32 {f32_matmul_flops / 1e9:.1f} GFLOP/s", flush=True)

    with torch.no_grad():
        model = Llama(a, dtype)
    for param in model.parameters():
        param.requires_grad_(False)
    targets = ALL if a.targets == "all" else ATTN
    for layer in model.layers:
        for name in targets:
            layer.proj[name] = LoraLinear(layer.proj[name], a.lora_r, a.lora_alpha, a.lora_dropout)
    adapter = [q for q in model.parameters() if q.requires_grad]
    total = sum(q.numel() for q in model.parameters())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {a.dtype}; model {total:,} parameters, "
          f"adapter {sum(q.numel() for q in adapter):,}; matmul {matmul_flops / 1e9:.1f} GFLOP/s", flush=True)
    optimizer = torch.optim.AdamW(adapter, lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    model.train()

    generator = torch.Generator().manual_seed(a.seed)
    records = torch.randint(3, a.vocab, (max(8, a.micro_batch), a.seq_len), generator=generator)
    # Position t predicts token t+1; labels are tokens label_start..end.
    first = max(label_start, 1) - 1
    positions = torch.cat([torch.arange(first, a.seq_len - 1) + row * a.seq_len for row in range(a.micro_batch)])

    def step(index):
        rows = torch.tensor([(index * a.micro_batch + i) % records.shape[0] for i in range(a.micro_batch)])
        ids = records[rows]
        targets = ids.reshape(-1)[positions + 1]
        hidden = model.hidden(ids)
        logits = model.lm_head(hidden.reshape(-1, hidden.shape[-1]).index_select(0, positions)).float()
        loss_sum = F.cross_entropy(logits, targets, reduction="sum")
        loss_sum.div(targets.numel()).backward()
        torch.nn.utils.clip_grad_norm_(adapter, 1.0)
        optimizer.step()
        optimizer.zero_grad()
        return ids.numel(), loss_sum.item() / targets.numel()

    for i in range(a.warmup):
        step(i)
    tokens, loss = 0, float("nan")
    start = time.perf_counter()
    for i in range(a.steps):
        count, loss = step(a.warmup + i)
        tokens += count
    seconds = time.perf_counter() - start
    print(f"step time {seconds / a.steps * 1000:.0f} ms, last loss {loss:.3f}", flush=True)
    result = {"tokens_per_s": tokens / seconds, "threads": torch.get_num_threads(), "torch": torch.__version__,
              "peak_rss_mib": peak_rss_mib(), "matmul_flops": matmul_flops, "f32_matmul_flops": f32_matmul_flops, "blas": blas}
    print("torch_bench_result " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
