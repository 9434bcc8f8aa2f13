"""How fast SmolLM2-135M's residual stream after block 12 comes out on this CPU (issue 25: extraction at speed), today's
path next to faster ones, in one process on the same token sequences: fp32 weights at batch 8 (`extract_activations`'
default), fp32 at a larger batch, bf16 autocast over the fp32 weights, and bf16 weights, at both batches (on a CPU with bf16 units: AMX or AVX512-BF16).
Every path stops at the hooked block (`layer_acts`). For bf16, the activations' error against fp32's is printed too
(relative L2 error per token, and the cosine), since a store extracted in bf16 is what the SAEs would train on.
Then `extract_activations` end to end (reading the text, tokenising, the forward, writing fp16 shards) in fp32, with
`precision="bf16"` (autocast at batch 32), and with `precision="bf16"` on the model loaded in bf16, into temporary stores of `--e2e-tokens` tokens each; reading the
Wikipedia sample takes a fixed couple of seconds per call, printed apart, which a large store spreads thin.

    .venv/bin/python benchmarks/extract_speed.py [--seqs 96] [--layer 12] [--rounds 3]
"""
import argparse, statistics, time
import torch


def main(argv=None):
    from sae_nb.activations import load_model, layer_acts, text_docs, token_sequences
    from sae_nb.core import bf16_units, cpu_name
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seqs", type=int, default=96); ap.add_argument("--ctx", type=int, default=128)
    ap.add_argument("--layer", type=int, default=12); ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batches", default="8,32"); ap.add_argument("--e2e-tokens", type=int, default=65_536)
    a = ap.parse_args(argv)
    lm = load_model("smollm2", device="cpu")
    ids = token_sequences(lm, text_docs("wiki"), a.ctx, max_seqs=a.seqs)
    n_tok = ids.numel()
    print(f"# CPU {cpu_name()}, bf16 units: {bf16_units('cpu') or 'none'}; torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"SmolLM2-135M block {a.layer} of {lm.n_layers}, {a.seqs} sequences of {a.ctx} tokens ({n_tok:,} tokens) from the Wikipedia sample; "
          f"median of {a.rounds} rounds, paths interleaved")
    def run(model_lm, bs, autocast=False):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            out = [layer_acts(model_lm, ids[i:i + bs], a.layer).float() for i in range(0, len(ids), bs)]
        return torch.cat(out)
    ref = run(lm, 8)
    lm16 = load_model("smollm2", device="cpu", dtype=torch.bfloat16)
    bs = list(map(int, a.batches.split(",")))
    paths = ([(f"fp32, batch {b}", lm, b, False) for b in bs] + [(f"bf16 autocast, batch {b}", lm, b, True) for b in bs]
             + [(f"bf16 weights, batch {b}", lm16, b, False) for b in bs])
    secs = {p[0]: [] for p in paths}
    for _ in range(a.rounds):
        for name, m, b, ac in paths:
            t0 = time.perf_counter(); run(m, b, ac); secs[name].append(time.perf_counter() - t0)
    base = statistics.median(secs[paths[0][0]])
    for name, m, b, ac in paths:
        t = statistics.median(secs[name])
        line = f"{name:24s} {n_tok / t:8,.0f} tokens/s ({t:.2f} s; rounds {', '.join(f'{x:.2f}' for x in secs[name])}), {base / t:.2f}x today's path"
        if m is lm16 or ac:
            x = run(m, b, ac)
            rel = ((x - ref).norm(dim=-1) / ref.norm(dim=-1).clamp_min(1e-6)).flatten()
            cos = torch.nn.functional.cosine_similarity(x.flatten(0, 1), ref.flatten(0, 1), dim=-1)
            line += f"; against fp32: relative error median {rel.median():.4f} (99th pct {rel.quantile(0.99):.4f}), cosine median {cos.median():.5f}"
        print(line)
    if a.e2e_tokens:
        import tempfile
        from pathlib import Path
        from sae_nb.activations import extract_activations
        t0 = time.perf_counter(); text_docs("wiki"); t_text = time.perf_counter() - t0
        e2e = {}
        with tempfile.TemporaryDirectory() as d:
            for name, m, prec in (("fp32", lm, "fp32"), ("bf16 autocast", lm, "bf16"), ("bf16 weights", lm16, "bf16")):
                t0 = time.perf_counter()
                st = extract_activations(Path(d) / name.replace(" ", "_"), m, layer=a.layer, n_tokens=a.e2e_tokens, ctx_len=a.ctx, shard_tokens=16_384, progress=False, precision=prec)
                e2e[name] = (len(st), time.perf_counter() - t0)
        n32, t32 = e2e["fp32"]
        print(f"extract_activations end to end ({n32:,} tokens each; reading the text is {t_text:.1f} s of each): " + "; ".join(
            f"{k} {n / t:,.0f} tokens/s ({t:.1f} s, {t32 / t:.2f}x; without the text {(t32 - t_text) / (t - t_text):.2f}x)" for k, (n, t) in e2e.items()))


if __name__ == "__main__":
    main()
