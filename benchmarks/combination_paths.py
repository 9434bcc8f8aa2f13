"""Which true features the long runs' combination latents combine (`benchmarks/synthbench_long.py`, nbs/07c): for every
latent that NNLS writes as a non-negative combination of true features, whether all its parts lie on one root-to-leaf
path of SynthSAEBench-16k's hierarchy (a feature together with its ancestors: the features that always fire with it),
and how many parts it has. Reads each recorded `runs/*_combinations.csv` and the model's hierarchy; writes
`combination_paths.csv` beside them, one row per architecture, variant and seed.

With `--saes RUN_DIR` (the run's folder under results/, which keeps the trained SAEs), also whether each combination
latent has a near-parallel partner: another latent of its SAE with decoder |cos| > tau (the run's tau for that
architecture), the only thing a pairwise penalty such as the hinge can push on. `partnered` is that share among the
combination latents, `partnered_other` among the SAE's other live-or-dead latents, `partner_combo` the share of the
partnered combination latents whose partner is a combination latent too; `partner_cos` and `partner_cos_other` the mean
|cos| with the nearest other latent, for the combination latents and for the rest.

    .venv/bin/python benchmarks/combination_paths.py [--run benchmarks/recorded/synthbench_16k_2cpu/seeds3_20M]
    .venv/bin/python benchmarks/combination_paths.py --run benchmarks/recorded/synthbench_16k_2cpu/topk_lr0.0003_seed0_20M --saes results/synthbench_16k/topk_lr0.0003_seed0_20M
"""
import argparse, json
from pathlib import Path


def partners(sae_dir, latents, tau: float) -> dict:
    "For the SAE saved in `sae_dir`: the share of `latents` (combination latents) whose nearest other latent has decoder |cos| > `tau` and the same share for every other latent, the mean |cos| with that nearest latent for both, and the share of the partnered combination latents whose partner is in `latents` too."
    import torch
    from sae_nb.interop import load_saelens
    from sae_nb.metrics import decoder_geometry
    geo = decoder_geometry(load_saelens(sae_dir)[0].W_dec[0].detach(), tau)
    best, who = geo.nn_cos, geo.nn_idx
    combo = torch.zeros(len(best), dtype=torch.bool); combo[list(latents)] = True
    has = best > tau
    return dict(partnered=round(float(has[combo].float().mean()), 4), partnered_other=round(float(has[~combo].float().mean()), 4),
                partner_cos=round(float(best[combo].mean()), 4), partner_cos_other=round(float(best[~combo].mean()), 4),
                partner_combo=round(float(combo[who[combo & has]].float().mean()), 4) if bool((combo & has).any()) else float("nan"))


def main(argv=None):
    import pandas as pd
    from sae_nb.synthbench import load_or_build
    from sae_nb.sampler import SynthSampler, ancestors
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="benchmarks/recorded/synthbench_16k_2cpu/seeds3_20M")
    ap.add_argument("--model", default="results/synthsaebench/model")
    ap.add_argument("--saes", default=None, help="the run's folder under results/ (its saes/ holds the trained SAEs): adds the partner columns")
    a = ap.parse_args(argv)
    taus = json.loads(Path(a.run, "run.json").read_text())["settings"].get("tau", {}) if a.saes else {}
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
            d = Path(a.saes or "", "saes", f"{arch}_{variant}_seed{seed}")
            if a.saes and d.exists(): rows[-1].update(tau=taus[arch], **partners(d, g.latent.tolist(), taus[arch]))
            elif a.saes: print(f"{arch} {variant} seed {seed}: no saved SAE in {d.parent}, no partner columns")
    out = pd.DataFrame(rows)
    out.to_csv(Path(a.run, "combination_paths.csv"), index=False)
    print(f"# the hierarchy of {a.model}: {sum(p < 0 for p in parent):,} roots among {len(parent):,} features, at most {max(len(path(f)) for f in range(len(parent)))} levels")
    print(out.to_string(index=False))


if __name__ == "__main__":
    main()
