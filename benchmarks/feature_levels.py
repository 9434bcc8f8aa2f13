"""Which true features the long runs' SAEs learn, by level of SynthSAEBench-16k's hierarchy (`benchmarks/synthbench_long.py`,
nbs/07c): for every true feature, its best latent by decoder cosine in each saved SAE (seed 0, plain and hinge), that
latent's cosine, and its recall and precision on the feature's held-out rows (`synthbench.FeatureView`, on 16,384 rows
of the runs' held-out stream); summarised by hierarchy level (0 = a root) and firing-rate decile, plus the rows of a few
example trees (the three commonest roots with children, two children of each, two grandchildren of the first child).
Writes `feature_levels.csv` and `feature_examples.csv` into the recorded run folder.

    .venv/bin/python benchmarks/feature_levels.py [--archs l1,matryoshka,batchtopk]
"""
import argparse
from pathlib import Path


def main(argv=None):
    import pandas as pd
    from sae_nb.synthbench import load_or_build, FeatureView
    from sae_nb.sampler import SynthSampler, SampledSource
    from sae_nb.interop import load_saelens
    from sae_nb.core import cpu_name
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="results/synthbench_16k/seeds3_20M"); ap.add_argument("--model", default="results/synthsaebench/model")
    ap.add_argument("--record", default="benchmarks/recorded/synthbench_16k_2cpu/seeds3_20M")
    ap.add_argument("--archs", default="l1,matryoshka,batchtopk"); ap.add_argument("--rows", type=int, default=16_384)
    a = ap.parse_args(argv)
    model = load_or_build(a.model, log=lambda s: None)
    smp = SynthSampler(model)
    parent, level = smp.parent, smp.level   # level 0: a root
    held = SampledSource(SynthSampler(model, seed=1_000_003), a.rows)   # raw rows: saved SAEs take raw activations
    levels, examples = [], []
    for arch in a.archs.split(","):
        dirs = {v: Path(a.run, "saes", f"{arch}_{v}_seed0") for v in ("plain", "hinge")}
        if not all(d.exists() for d in dirs.values()): print(f"{arch}: no saved SAEs yet, skipped"); continue
        view = FeatureView({v: (load_saelens(d)[0], 0) for v, d in dirs.items()}, held, parent=parent, top=1)
        every = pd.concat([view.latents(f).assign(feature=f) for f in range(len(view.rate))])   # each feature's best latent per SAE (top=1): cos, recall, precision
        for v in ("plain", "hinge"):
            best = every[every.sae == v].rename(columns={"cos": "best_cos"})
            df = best.assign(level=level[best.feature.values].tolist(), decile=view.decile[best.feature.values].tolist())
            g = df.groupby(["level", "decile"]).agg(features=("feature", "size"), best_cos=("best_cos", "mean"), recall=("recall", "mean"), precision=("precision", "mean")).reset_index()
            levels.append(g.assign(arch=arch, variant=v))
        roots = [int(f) for f in view.order.flip(0) if parent[f] < 0 and bool((parent == f).any())][:3]
        def kids(f, k=2): return sorted((parent == f).nonzero()[:, 0].tolist(), key=lambda c: -float(view.rate[c]))[:k]
        for r in roots:
            ch = kids(r)
            for f in [r, *ch, *(kids(ch[0]) if ch else [])]:
                examples += [dict(arch=arch, tree=r, feature=f, level=int(level[f]), parent=int(parent[f]), rate=round(float(view.rate[f]), 5), **row)
                             for row in view.latents(f).rename(columns={"sae": "variant", "rate": "latent_rate"}).round(4).to_dict("records")]
    out = Path(a.record); out.mkdir(parents=True, exist_ok=True)
    lv = pd.concat(levels)[["arch", "variant", "level", "decile", "features", "best_cos", "recall", "precision"]].round(4)
    lv.to_csv(out / "feature_levels.csv", index=False); pd.DataFrame(examples).to_csv(out / "feature_examples.csv", index=False)
    print(f"# CPU {cpu_name()}; {a.rows:,} held-out rows; seed 0 of each architecture, plain and hinge")
    print(lv.groupby(["arch", "variant", "level"], sort=False)[["features", "best_cos", "recall", "precision"]]
          .agg(dict(features="sum", best_cos="mean", recall="mean", precision="mean")).round(3).to_string())


if __name__ == "__main__":
    main()
