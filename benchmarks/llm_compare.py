"""L1 vs TopK, each with and without the decoder-orthogonality hinge, on SmolLM2-135M activations (block 12), matched L0.

Extracts (or reuses) a store of --tokens activations from the Wikipedia sample, trains each variant for --seeds seeds,
evaluates on the held-out shard (FVU, CE loss recovered, L0, dead/dense, decoder cosines, composite latents) and writes
one row per (variant, seed) to --out. Prints the table and the command to reproduce it.

    .venv/bin/python benchmarks/llm_compare.py                # width 2048, 2 seeds, 1000 steps, neighbour-list hinge: about 30 minutes on 2 CPU cores
    .venv/bin/python benchmarks/llm_compare.py --width 512 --seeds 1 --steps 300 --tokens 32000   # a few minutes
"""
import argparse, sys, time
import pandas as pd

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default="results/stores/smollm2_L12")
    ap.add_argument("--layer", type=int, default=12)
    ap.add_argument("--tokens", type=int, default=160_000)
    ap.add_argument("--width", type=int, default=2048)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--penalty", default="lists", choices=["lists", "exact"])
    ap.add_argument("--l0", type=float, default=32.0)
    ap.add_argument("--w-pairs", type=float, nargs="+", default=[0.1, 1.0])
    ap.add_argument("--device", default=None)
    ap.add_argument("--sweep", type=int, nargs="*", default=None, help="instead: a TopK width sweep over these widths (default 512 1024 2048 4096)")
    ap.add_argument("--out", default=None, help="CSV to write (default: benchmarks/recorded/llm_compare_smollm2_L12.csv, or llm_width_sweep_smollm2_L12.csv with --sweep)")
    a = ap.parse_args(argv)
    import torch
    from sae_nb.activations import load_model, extract_activations
    from sae_nb.experiments import compare_variants, sweep_store_widths
    t0 = time.time()
    lm = load_model("smollm2", device=a.device)
    store = extract_activations(a.store, lm, layer=a.layer, n_tokens=a.tokens, ctx_len=128, shard_tokens=16_384, progress=False)
    print(store, f"({time.time() - t0:.0f}s)", flush=True)
    if a.sweep is not None:
        widths = a.sweep or [512, 1024, 2048, 4096]
        out = a.out or "benchmarks/recorded/llm_width_sweep_smollm2_L12.csv"
        tab = sweep_store_widths(store, widths, seeds=list(range(a.seeds)), target_l0=a.l0, n_steps=a.steps, lm=lm, device=a.device,
                                 log=lambda s: print(s, flush=True))
        tab.to_csv(out, index=False)
        cols = ["fvu", "ce_recovered", "dead", "nn_cos", "composite", "kept_in_next", "split_in_next", "children_if_split", "seconds"]
        pd.set_option("display.width", 250)
        print(tab.groupby("width")[cols].agg(lambda s: f"{s.mean():.3f} ± {s.std():.3f}").to_string())
        print(f"\nwrote {out} in {time.time() - t0:.0f}s\nreproduce: .venv/bin/python benchmarks/llm_compare.py " + " ".join(sys.argv[1:]))
        return
    a.out = a.out or "benchmarks/recorded/llm_compare_smollm2_L12.csv"
    tab = compare_variants(store, a.width, seeds=list(range(a.seeds)), target_l0=a.l0, w_pairs=a.w_pairs, n_steps=a.steps, lm=lm,
                           device=a.device, penalty=a.penalty, log=lambda s: print(s, flush=True))
    tab.insert(0, "width", a.width); tab["steps"] = a.steps; tab["tokens"] = len(store); tab["device"] = str(lm.device); tab["torch"] = torch.__version__
    tab.to_csv(a.out, index=False)
    cols = ["fvu", "ce_recovered", "l0", "dead", "dense", "nn_cos", "pairs_above_tau", "composite", "seconds"]
    pd.set_option("display.width", 250)
    print(tab.groupby("variant", sort=False)[cols].agg(lambda s: f"{s.mean():.3f} ± {s.std():.3f}").to_string())
    print(f"\nwrote {a.out} in {time.time() - t0:.0f}s\nreproduce: .venv/bin/python benchmarks/llm_compare.py " + " ".join(sys.argv[1:]))

if __name__ == "__main__": main()
