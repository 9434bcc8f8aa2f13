"""Decoder geometry of the SAEs `benchmarks/synthsaebench.py` trained, read from its checkpoints: did the hinge have pairs to act on?

For every checkpoint in `--work/checkpoints` (one per variant, seeds as instances): per instance, the mean over latents of
the largest |cos| with another latent, the number of latent pairs with |cos| > tau, and for the hinge variants the
neighbour lists' count of listed pairs above tau at each refresh (first and last). One CSV row per (variant, seed).

    .venv/bin/python benchmarks/synthsaebench_geometry.py --out benchmarks/recorded/synthsaebench_geometry.csv
"""
import argparse
from pathlib import Path
import pandas as pd

def main(argv=None):
    from sae_nb.core import load_checkpoint
    from sae_nb.metrics import decoder_geometry
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", default="results/synthsaebench"); ap.add_argument("--tau", type=float, default=0.3)
    ap.add_argument("--out", default="benchmarks/recorded/synthsaebench_geometry.csv")
    a = ap.parse_args(argv)
    rows = []
    for f in sorted(Path(a.work, "checkpoints").glob("*.ck")):
        ck = load_checkpoint(f)
        W = ck["sae"]["W_dec"].float()
        log = (ck["states"].get("extra_loss") or {}).get("log") or []
        for i in range(W.shape[0]):
            geo = decoder_geometry(W[i], tau=a.tau)
            rows.append(dict(checkpoint=f.name, variant="sae_nb " + f.name.split("_w")[0][len("sae_nb_"):].replace("__", " + ").replace("_", " "), inst=i, step=ck["step"] + 1,
                             nn_cos=float(geo.nn_cos.mean()), pairs_above_tau=geo.pairs_above_tau,
                             listed_above_tau_first=log[0]["pairs_above_tau"] if log else None, listed_above_tau_last=log[-1]["pairs_above_tau"] if log else None))
    df = pd.DataFrame(rows)
    df.to_csv(a.out, index=False)
    print(df.groupby("variant")[["nn_cos", "pairs_above_tau"]].mean().round(4).to_string())

if __name__ == "__main__":
    main()
