#!/usr/bin/python3
"""Writes the Modeling golden fixtures: tiny random Llama / Mistral / Qwen2 checkpoints in Hugging Face
layout, each with golden.json holding float32 logits for every position and a greedy continuation.

Independent of the C# code under test: the safetensors files are written here byte by byte, and the
forward pass below is a plain float64 PyTorch transcription of the transformers Llama/Mistral/Qwen2
forward (no KV cache: the whole sequence is recomputed for every generated token).

Run with Debian's interpreter (python3-torch, numpy):
    /usr/bin/python3 tests/scripts/make_model_goldens.py
Output: tests/LoraPipeline.Tests/Fixtures/models/<case>/{config.json, *.safetensors, golden.json}
"""
import json
import math
import os
import struct

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "LoraPipeline.Tests", "Fixtures", "models")
NEW_TOKENS = 16
MIN_MARGIN = 1e-3  # the greedy path must not hinge on a near tie between the top two logits


# ---------------------------------------------------------------- safetensors, written by hand

def tensor_bytes(t, dtype):
    if dtype == "F32":
        return t.to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
    if dtype == "BF16":
        return t.to(torch.bfloat16).contiguous().view(torch.int16).numpy().astype("<i2").tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, dtype):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        data = tensor_bytes(tensors[name], dtype)
        header[name] = {"dtype": dtype, "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    return offset


# ---------------------------------------------------------------- the reference network (float64)

def inv_frequencies(cfg):
    dim = cfg["head_dim"]
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
    scaling = cfg.get("rope_scaling")
    if scaling:  # transformers' llama3 rule: keep short wavelengths, divide long ones by factor, blend between
        factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        blended = (1 - smooth) * scaled / factor + smooth * scaled
        medium = (wavelen >= high_wavelen) & (wavelen <= low_wavelen)
        inv = torch.where(medium, blended, scaled)
    return inv


def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def linear(x, w, name):
    y = x @ w[name + ".weight"].T
    if name + ".bias" in w:
        y = y + w[name + ".bias"]
    return y


def forward(cfg, w, ids):
    """Logits [len(ids), vocab] in float64 for one unpadded sequence at positions 0..n-1."""
    n, heads, kv, d = len(ids), cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    eps = cfg["rms_norm_eps"]
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    angles = torch.arange(n, dtype=torch.float64)[:, None] * inv_frequencies(cfg)[None, :]
    angles = torch.cat((angles, angles), dim=-1)
    cos, sin = angles.cos(), angles.sin()
    causal = torch.ones(n, n, dtype=torch.bool).tril()
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = linear(h, w, p + "self_attn.q_proj").view(n, heads, d).transpose(0, 1)
        k = linear(h, w, p + "self_attn.k_proj").view(n, kv, d).transpose(0, 1)
        v = linear(h, w, p + "self_attn.v_proj").view(n, kv, d).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(heads // kv, dim=0)
        v = v.repeat_interleave(heads // kv, dim=0)
        scores = (q @ k.transpose(1, 2)) / math.sqrt(d)
        scores = scores.masked_fill(~causal, float("-inf"))
        attended = torch.softmax(scores, dim=-1) @ v
        x = x + linear(attended.transpose(0, 1).reshape(n, heads * d), w, p + "self_attn.o_proj")
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = linear(h, w, p + "mlp.gate_proj")
        x = x + linear(torch.nn.functional.silu(gate) * linear(h, w, p + "mlp.up_proj"), w, p + "mlp.down_proj")
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    return x @ head.T


def greedy(cfg, w, ids, eos):
    """Greedy continuation by full recomputation; stops after emitting an eos id. Returns (tokens, min margin)."""
    seq, out, margin = list(ids), [], float("inf")
    for _ in range(NEW_TOKENS):
        last = forward(cfg, w, seq)[-1]
        top = torch.topk(last, 2)
        margin = min(margin, float(top.values[0] - top.values[1]))
        token = int(top.indices[0])
        out.append(token)
        seq.append(token)
        if token in eos:
            break
    return out, margin


# ---------------------------------------------------------------- random checkpoints

def make_weights(cfg, gen):
    h, heads, kv, d, inter, vocab = (cfg[k] for k in
                                     ("hidden_size", "num_attention_heads", "num_key_value_heads", "head_dim",
                                      "intermediate_size", "vocab_size"))
    attention_bias = cfg.get("attention_bias", False) or cfg["model_type"] == "qwen2"
    mlp_bias = cfg.get("mlp_bias", False)

    def mat(out_dim, in_dim, gain=1.0):
        return torch.randn(out_dim, in_dim, generator=gen, dtype=torch.float64) * gain / math.sqrt(in_dim)

    def vec(n, scale=0.1, center=0.0):
        return center + scale * torch.randn(n, generator=gen, dtype=torch.float64)

    w = {"model.embed_tokens.weight": torch.randn(vocab, h, generator=gen, dtype=torch.float64)}
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        w[p + "input_layernorm.weight"] = vec(h, 0.1, 1.0)
        w[p + "post_attention_layernorm.weight"] = vec(h, 0.1, 1.0)
        shapes = {"self_attn.q_proj": (heads * d, h), "self_attn.k_proj": (kv * d, h), "self_attn.v_proj": (kv * d, h),
                  "self_attn.o_proj": (h, heads * d), "mlp.gate_proj": (inter, h), "mlp.up_proj": (inter, h),
                  "mlp.down_proj": (h, inter)}
        for name, (o, i) in shapes.items():
            w[p + name + ".weight"] = mat(o, i, 2.0 if name == "self_attn.q_proj" else 1.0)
        if attention_bias:
            for name in ("q_proj", "k_proj", "v_proj"):
                w[p + "self_attn." + name + ".bias"] = vec(shapes["self_attn." + name][0], 0.2)
            if cfg["model_type"] != "qwen2":
                w[p + "self_attn.o_proj.bias"] = vec(h, 0.2)
        if mlp_bias:
            for name in ("gate_proj", "up_proj", "down_proj"):
                w[p + "mlp." + name + ".bias"] = vec(shapes["mlp." + name][0], 0.2)
    w["model.norm.weight"] = vec(h, 0.1, 1.0)
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = mat(vocab, h, 4.0)
    else:
        w["model.embed_tokens.weight"] *= 0.5
    return w


def base_config(model_type, architecture, **extra):
    cfg = {
        "architectures": [architecture], "model_type": model_type, "hidden_size": 64, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "intermediate_size": 128,
        "vocab_size": 256, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 256,
        "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
        "torch_dtype": "float32",
    }
    cfg.update(extra)
    return cfg


CASES = {
    # (a) Llama, grouped-query attention (4 query heads share 2 kv heads), separate LM head.
    "llama_gqa": (base_config("llama", "LlamaForCausalLM"), 12, "F32", 1),
    # (b) tied embeddings; also attention_bias and mlp_bias so every optional Llama bias is exercised.
    "llama_tied": (base_config("llama", "LlamaForCausalLM", tie_word_embeddings=True, attention_bias=True,
                               mlp_bias=True, num_key_value_heads=4, vocab_size=128), 10, "F32", 1),
    # (c) llama3 rope scaling with a short original context, so all three frequency bands occur:
    #     head_dim 16, theta 1e4: wavelengths 6.3 (< 32/4: kept), 19.9 (between: blended), 62.8.. (> 32: / 8).
    "llama3_rope": (base_config("llama", "LlamaForCausalLM", eos_token_id=[2, 3], rope_theta=10000.0,
                                rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                              "high_freq_factor": 4.0, "original_max_position_embeddings": 32}),
                    40, "F32", 1),
    # (d) BF16 weights in two shards with an index.
    "llama_bf16_sharded": (base_config("llama", "LlamaForCausalLM", torch_dtype="bfloat16"), 12, "BF16", 2),
    # (e) Mistral (sliding window far beyond the sequence, so it does not apply).
    "mistral": (base_config("mistral", "MistralForCausalLM", sliding_window=4096, rope_theta=1000000.0,
                            num_key_value_heads=1, vocab_size=160), 12, "F32", 1),
    # (f) Qwen2: q/k/v biases (no o_proj bias), tied embeddings as in the small Qwen2 models.
    "qwen2": (base_config("qwen2", "Qwen2ForCausalLM", tie_word_embeddings=True, rms_norm_eps=1e-6,
                          rope_theta=1000000.0, use_sliding_window=False, eos_token_id=151), 12, "F32", 1),
}


def write_case(name, cfg, prompt_len, dtype, shards, seed):
    gen = torch.Generator().manual_seed(seed)
    w = make_weights(cfg, gen)
    # The reference computes with exactly the stored values (rounded to bf16 where stored as bf16).
    stored = {k: (v.to(torch.bfloat16) if dtype == "BF16" else v.to(torch.float32)).to(torch.float64)
              for k, v in w.items()}
    eos = cfg["eos_token_id"] if isinstance(cfg["eos_token_id"], list) else [cfg["eos_token_id"]]
    # Choose a prompt whose greedy path has clear top-1 decisions (so float32 vs float64 cannot flip a token).
    for attempt in range(100):
        ids = torch.randint(4, cfg["vocab_size"], (prompt_len,), generator=gen).tolist()
        tokens, margin = greedy(cfg, stored, ids, eos)
        if margin >= MIN_MARGIN:
            break
    else:
        raise RuntimeError(f"{name}: no prompt with a clear greedy path")
    logits = forward(cfg, stored, ids)
    top2 = torch.topk(logits, 2, dim=-1).values
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    for f in os.listdir(folder):
        os.remove(os.path.join(folder, f))
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    if shards == 1:
        write_safetensors(os.path.join(folder, "model.safetensors"), stored, dtype)
    else:
        names = sorted(stored)
        parts = [names[i::shards] for i in range(shards)]
        weight_map, total = {}, 0
        for i, part in enumerate(parts):
            file = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
            total += write_safetensors(os.path.join(folder, file), {k: stored[k] for k in part}, dtype)
            weight_map.update({k: file for k in part})
        with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2, sort_keys=True)
            f.write("\n")
    golden = {
        "case": name,
        "input_ids": ids,
        "logits": [[float(f"{v:.7g}") for v in row] for row in logits.to(torch.float32).tolist()],
        "top2_margin": [float(f"{v:.6g}") for v in (top2[:, 0] - top2[:, 1]).tolist()],
        "greedy": tokens,
        "greedy_min_margin": float(f"{margin:.6g}"),
        "eos_token_ids": eos,
        "stored_dtype": dtype,
        "prompt_attempts": attempt + 1,
    }
    with open(os.path.join(folder, "golden.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    print(f"{name}: {prompt_len} ids, greedy {tokens} (min margin {margin:.4g}), |logit| max "
          f"{float(logits.abs().max()):.3g}, {size / 1024:.0f} KiB")


def main():
    torch.set_grad_enabled(False)
    for seed, (name, (cfg, prompt_len, dtype, shards)) in enumerate(CASES.items()):
        write_case(name, cfg, prompt_len, dtype, shards, 1234 + seed)


if __name__ == "__main__":
    main()
