"""Which true features the long runs' combination latents combine (`benchmarks/synthbench_long.py`, nbs/07c): for every
latent that NNLS writes as a non-negative combination of true features, whether all its parts lie on one root-to-leaf
path of SynthSAEBench-16k's hierarchy (a feature together with its ancestors: the features that always fire with it),
and how many parts it has. Reads each recorded `runs/*_combinations.csv` and the model's hierarchy; writes
`combination_paths.csv` beside them, one row per architecture, variant and seed.

    .venv/bin/python benchmarks/combination_paths.py [--run benchmarks/recorded/synthbench_16k_2cpu/seeds3_20M]
"""
import argparse, json
from pathlib import Path


def main(argv=None):
    import pandas as pd
    from sae_nb.synthbench import load_or_build
    from sae_nb.sampler import SynthSampler, ancestors
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="benchmarks/recorded/synthbench_16k_2cpu/seeds3_20M")
    ap.add_argument("--model", default="results/synthsaebench/model")
    a = ap.parse_args(argv)
    parent = SynthSampler(load_or_build(a.model, log=lambda s: None)).parent.tolist()
    path = lambda f: [f, *ancestors(parent, f)]
    rows = []
    for f in sorted(Path(a.run, "runs").glob("*_combinations.csv")):
        cb = pd.read_csv(f)
        if cb.empty: continue
        cb["parts"] = cb.parts.map(json.loads)
        deepest = cb.parts.map(lambda ps: max(ps, key=lambda p: len(path(p))))
        cb["one_path"] = [set(ps) <= set(path(d)) for ps, d in zip(cb.parts, deepest)]
        cb["n_parts"] = cb.parts.map(len)
        for (arch, variant, seed), g in cb.groupby(["arch", "variant", "seed"], sort=False):
            rows.append(dict(arch=arch, variant=variant, seed=seed, combinations=len(g), one_path=round(float(g.one_path.mean()), 4),
                             parts_mean=round(float(g.n_parts.mean()), 3), **{f"parts_{k}": int((g.n_parts == k).sum()) for k in (2, 3, 4)},
                             parts_5_or_more=int((g.n_parts >= 5).sum())))
    out = pd.DataFrame(rows)
    out.to_csv(Path(a.run, "combination_paths.csv"), index=False)
    print(f"# the hierarchy of {a.model}: {sum(p < 0 for p in parent):,} roots among {len(parent):,} features, at most {max(len(path(f)) for f in range(len(parent)))} levels")
    print(out.to_string(index=False))


if __name__ == "__main__":
    main()
