#!/usr/bin/python3
"""Writes the P-tuning golden fixture for Fixtures/models/llama_gqa: a PEFT P_TUNING adapter, the prompt encoder's
weights it was computed from, and the logits and greedy continuation of the model with the virtual tokens in front.

Independent of the C# code under test and of any ML library: plain Python floats (float64), no torch or numpy, so it
runs with any python3. It reads the fixture model's safetensors by hand and transcribes, from their definitions:
  - PEFT's PromptEncoder (MLP reparameterisation, one transformer submodule): embedding table E [N, d], each row e
    mapped to W3 relu(W2 relu(W1 e + b1) + b2) + b3 (weights named embedding.weight, mlp_head.{0,2,4}.{weight,bias});
    for inference PEFT stores that output as prompt_embeddings [N, d];
  - PEFT's causal-LM forward for prompt learning: inputs_embeds = [prompt_embeddings; embed(ids)], attention over
    all N + T positions, causal, at positions 0 .. N+T-1, logits of the last T positions belonging to the ids;
  - the transformers Llama forward (RMSNorm, rotate-half RoPE, grouped-query attention, SwiGLU), as in
    make_model_goldens.py.

Run:  python3 tests/scripts/make_ptuning_golden.py
Output: tests/LoraPipeline.Tests/Fixtures/ptuning/llama_gqa/{encoder.safetensors, adapter/, golden.json}
"""
import json
import math
import os
import random
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "LoraPipeline.Tests", "Fixtures")
MODEL = os.path.join(FIXTURES, "models", "llama_gqa")
OUT = os.path.join(FIXTURES, "ptuning", "llama_gqa")
VIRTUAL, ENCODER_HIDDEN, NEW_TOKENS, SEED = 4, 24, 8, 20261207
IDS = [14, 239, 210, 26, 199, 182, 218, 27, 22, 30]


# ---------------------------------------------------------------- safetensors (F32 only), by hand

def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", (name, entry["dtype"])
        begin, end = entry["data_offsets"]
        flat = list(struct.unpack("<%df" % ((end - begin) // 4), data[begin:end]))
        shape = entry["shape"]
        tensors[name] = flat if len(shape) == 1 else [flat[r * shape[1]:(r + 1) * shape[1]] for r in range(shape[0])]
    return tensors


def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        value = tensors[name]
        rows = value if isinstance(value[0], list) else [value]
        flat = [x for row in rows for x in row]
        blob = struct.pack("<%df" % len(flat), *flat)
        shape = [len(value), len(value[0])] if isinstance(value[0], list) else [len(value)]
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


# ---------------------------------------------------------------- vector helpers

def matvec(w, x, b=None):
    out = [sum(wi * xi for wi, xi in zip(row, x)) for row in w]
    return out if b is None else [o + bi for o, bi in zip(out, b)]


def rms_norm(x, weight, eps):
    scale = 1.0 / math.sqrt(sum(v * v for v in x) / len(x) + eps)
    return [w * v * scale for w, v in zip(weight, x)]


def silu(v):
    return v / (1.0 + math.exp(-v))


def rope(vec, position, theta):
    d, half = len(vec), len(vec) // 2
    out = [0.0] * d
    for i in range(half):
        angle = position / (theta ** (2.0 * i / d))
        c, s = math.cos(angle), math.sin(angle)
        out[i] = vec[i] * c - vec[i + half] * s           # rotate-half: x*cos + [-x2, x1]*sin
        out[i + half] = vec[i + half] * c + vec[i] * s
    return out


# ---------------------------------------------------------------- the networks

def prompt_encoder(w):
    rows = []
    for e in w["embedding.weight"]:
        h = [max(0.0, v) for v in matvec(w["mlp_head.0.weight"], e, w["mlp_head.0.bias"])]
        h = [max(0.0, v) for v in matvec(w["mlp_head.2.weight"], h, w["mlp_head.2.bias"])]
        rows.append(matvec(w["mlp_head.4.weight"], h, w["mlp_head.4.bias"]))
    return rows


def forward(cfg, w, inputs):
    """Logits for every row of inputs (a list of embedding vectors) at positions 0..n-1, causal, unpadded."""
    heads, kv, d = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    eps, theta, group = cfg["rms_norm_eps"], cfg["rope_theta"], cfg["num_attention_heads"] // cfg["num_key_value_heads"]
    x = [list(row) for row in inputs]
    n = len(x)
    for layer in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % layer
        h = [rms_norm(row, w[p + "input_layernorm.weight"], eps) for row in x]
        q = [matvec(w[p + "self_attn.q_proj.weight"], row) for row in h]
        k = [matvec(w[p + "self_attn.k_proj.weight"], row) for row in h]
        v = [matvec(w[p + "self_attn.v_proj.weight"], row) for row in h]
        attended = [[0.0] * (heads * d) for _ in range(n)]
        for head in range(heads):
            kvh = head // group
            qs = [rope(q[t][head * d:(head + 1) * d], t, theta) for t in range(n)]
            ks = [rope(k[t][kvh * d:(kvh + 1) * d], t, theta) for t in range(n)]
            vs = [v[t][kvh * d:(kvh + 1) * d] for t in range(n)]
            for t in range(n):
                scores = [sum(a * b for a, b in zip(qs[t], ks[j])) / math.sqrt(d) for j in range(t + 1)]
                top = max(scores)
                weights = [math.exp(s - top) for s in scores]
                total = sum(weights)
                for j in range(t + 1):
                    share = weights[j] / total
                    for i in range(d):
                        attended[t][head * d + i] += share * vs[j][i]
        x = [[a + b for a, b in zip(x[t], matvec(w[p + "self_attn.o_proj.weight"], attended[t]))] for t in range(n)]
        h = [rms_norm(row, w[p + "post_attention_layernorm.weight"], eps) for row in x]
        for t in range(n):
            gate = matvec(w[p + "mlp.gate_proj.weight"], h[t])
            up = matvec(w[p + "mlp.up_proj.weight"], h[t])
            down = matvec(w[p + "mlp.down_proj.weight"], [silu(g) * u for g, u in zip(gate, up)])
            x[t] = [a + b for a, b in zip(x[t], down)]
    x = [rms_norm(row, w["model.norm.weight"], eps) for row in x]
    return [matvec(w["lm_head.weight"], row) for row in x]


def main():
    cfg = json.load(open(os.path.join(MODEL, "config.json")))
    assert not cfg["tie_word_embeddings"] and not cfg.get("attention_bias") and not cfg.get("rope_scaling")
    w = read_safetensors(os.path.join(MODEL, "model.safetensors"))
    d = cfg["hidden_size"]

    # torch's default initialisations: embedding N(0, 1); Linear weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    rng = random.Random(SEED)

    def linear(out_features, in_features):
        bound = 1.0 / math.sqrt(in_features)
        return ([[f32(rng.uniform(-bound, bound)) for _ in range(in_features)] for _ in range(out_features)],
                [f32(rng.uniform(-bound, bound)) for _ in range(out_features)])

    encoder = {"embedding.weight": [[f32(rng.gauss(0.0, 1.0)) for _ in range(d)] for _ in range(VIRTUAL)]}
    for index, (o, i) in zip((0, 2, 4), ((ENCODER_HIDDEN, d), (ENCODER_HIDDEN, ENCODER_HIDDEN), (d, ENCODER_HIDDEN))):
        encoder["mlp_head.%d.weight" % index], encoder["mlp_head.%d.bias" % index] = linear(o, i)
    prompt = [[f32(v) for v in row] for row in prompt_encoder(encoder)]

    embed = w["model.embed_tokens.weight"]
    logits = forward(cfg, w, prompt + [embed[i] for i in IDS])[VIRTUAL:]

    sequence, greedy, margin = list(IDS), [], float("inf")
    eos = cfg["eos_token_id"] if isinstance(cfg["eos_token_id"], list) else [cfg["eos_token_id"]]
    for _ in range(NEW_TOKENS):
        last = forward(cfg, w, prompt + [embed[i] for i in sequence])[-1]
        ranked = sorted(range(len(last)), key=lambda j: -last[j])
        margin = min(margin, last[ranked[0]] - last[ranked[1]])
        greedy.append(ranked[0])
        sequence.append(ranked[0])
        if ranked[0] in eos:
            break
    assert margin > 1e-3, "the greedy path hinges on a near tie; change SEED"

    adapter = os.path.join(OUT, "adapter")
    os.makedirs(adapter, exist_ok=True)
    write_safetensors(os.path.join(OUT, "encoder.safetensors"), encoder)
    write_safetensors(os.path.join(adapter, "adapter_model.safetensors"), {"prompt_embeddings": prompt})
    config = {
        "auto_mapping": None, "base_model_name_or_path": "llama_gqa", "encoder_dropout": 0.0,
        "encoder_hidden_size": ENCODER_HIDDEN, "encoder_num_layers": 2, "encoder_reparameterization_type": "MLP",
        "inference_mode": True, "modules_to_save": None, "num_attention_heads": cfg["num_attention_heads"],
        "num_layers": cfg["num_hidden_layers"], "num_transformer_submodules": 1, "num_virtual_tokens": VIRTUAL,
        "peft_type": "P_TUNING", "peft_version": "0.18.0", "revision": None, "task_type": "CAUSAL_LM", "token_dim": d,
    }
    with open(os.path.join(adapter, "adapter_config.json"), "w") as f:
        f.write(json.dumps(config, indent=2, sort_keys=True))
    golden = {"input_ids": IDS, "prompt_embeddings": prompt, "logits": [[float("%.7g" % v) for v in row] for row in logits],
              "greedy": greedy, "min_margin": margin}
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    print("llama_gqa + %d virtual tokens: greedy %s (min margin %.4g), |logit| max %.3g"
          % (VIRTUAL, greedy, margin, max(abs(v) for row in logits for v in row)))


if __name__ == "__main__":
    main()
