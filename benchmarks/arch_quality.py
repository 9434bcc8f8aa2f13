"""Every architecture with and without the decoder-orthogonality hinge, at matched L0, against ground truth.

Data: notebook 06's hierarchy (`scaled_model`: 256 features in d = 64, 32 roots with 4 children each, Zipf firing from
0.3 to 5e-3; true L0 about 2), or with `--scaled` the 4,096-feature model in d = 256 of notebook 07's scale tests.
SAEs: width = as many latents as true features, all at L0 = the data's true L0 rounded to an integer (k for the k-sparse
ones, the controller's target for L1 and JumpReLU; notebook 06 used 2 on its hierarchy too), `--seeds` seeds each, 3,000 steps of 512 samples, lr 3e-3, every SAE from the
data-based init (`TrainConfig.init_from_data`); the k-sparse ones with AuxK (k_aux = d/2, weight 1/32); L1 and JumpReLU
with dead-latent resampling every 500 steps as in notebook 06 (the k-sparse ones get it too: AuxK and resampling are
not exclusive; --no-resample turns it off for all).
Hinge: notebook 06's headline penalty, max(0, |cos| - 0.3)^2 over all pairs, weight 300 at m = 256 (rescaled by
m(m-1)/(256*255) at other widths), exact (tiled).
Scores (`sae_report`): L0, EV, MCC (Hungarian-matched |cos|), matched F1, recovered share (all / rare half),
combination latents (NNLS), live latents, nearest-neighbour |cos|.

    .venv/bin/python benchmarks/arch_quality.py                       # about 15 minutes on 2 CPU cores
    .venv/bin/python benchmarks/arch_quality.py --seeds 1 --steps 300 --out /tmp/smoke.csv   # a smoke run
"""
from __future__ import annotations
import argparse, time
import pandas as pd
import torch

ARCH_VARIANTS = {"L1": dict(activation="l1"), "TopK + AuxK": dict(activation="topk", aux=True), "BatchTopK + AuxK": dict(activation="batchtopk", aux=True),
                 "JumpReLU": dict(activation="jumprelu"), "Matryoshka + AuxK": dict(activation="matryoshka", aux=True)}
COLS = ["l0", "ev", "mcc", "f1", "recovered", "rare_recovered", "combo_latents", "live", "nn_cos"]

def main(argv=None):
    from sae_nb.structured import scaled_model
    from sae_nb.experiments import train_variants, true_l0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scaled", action="store_true", help="4,096 features in d = 256 instead of notebook 06's 256 in d = 64")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--no-resample", action="store_true")
    ap.add_argument("--archs", default=",".join(ARCH_VARIANTS), help="comma-separated names among: " + ", ".join(ARCH_VARIANTS))
    ap.add_argument("--precision", default="fp32", choices=("fp32", "bf16"), help="bf16: TrainConfig.amp (needs a CPU with bf16 units)")
    ap.add_argument("--hinge", default=None, help="comma-separated names to train with the hinge too (default: all of --archs)")
    ap.add_argument("--out", default=None, help="CSV to write (default: benchmarks/recorded/arch_quality_{tree,scaled}_2cpu.csv)")
    a = ap.parse_args(argv)
    if a.scaled: src, m = scaled_model(n_features=4096, d_in=256, seed=0), 4096
    else: src, m = scaled_model(n_features=256, d_in=64, n_roots=32, branching=4, depth=1, p_max=0.3, p_min=5e-3, mag_range=(1.0, 1.0), mag_std=0.2, seed=0), 256
    l0 = float(max(1, round(true_l0(src))))
    w = 300.0 * m * (m - 1) / (256 * 255)
    variants = {}
    for name in a.archs.split(","):
        v = dict(ARCH_VARIANTS[name], init_from_data=True)
        variants[name] = v
        if a.hinge is None or name in a.hinge.split(","): variants[name + " + hinge"] = dict(v, ortho=dict(weight=w, form="hinge", tau=0.3, p=2))
    from sae_nb.core import bf16_units, cpu_name
    cpu = cpu_name()
    print(f"{m} features, d = {src.d_in}, true L0 {true_l0(src):.3f}, matched L0 {l0:g}; width {m}; {a.seeds} seeds; {a.steps} steps; {torch.get_num_threads()} threads; torch {torch.__version__}; "
          f"precision {a.precision}; CPU {cpu} (bf16 units: {bf16_units('cpu') or 'none'})", flush=True)
    t0 = time.time()
    run = train_variants(src, variants, width=m, seeds=range(a.seeds), target_l0=l0, n_steps=a.steps, resample_every=None if a.no_resample else 500,
                         log=lambda s: print(s, flush=True), amp=a.precision == "bf16")
    tab = run.table
    out = a.out or f"benchmarks/recorded/arch_quality_{'scaled' if a.scaled else 'tree'}_2cpu.csv"
    tab.insert(1, "precision", a.precision)
    tab.to_csv(out, index=False)
    g = tab.groupby("variant", sort=False)[COLS]
    summary = g.mean().round(3).astype(str) + " ± " + g.std().round(3).astype(str)
    print(summary.to_string())
    print(f"wrote {out} in {time.time() - t0:.0f}s")

if __name__ == "__main__":
    main()
