"""The short sweep before SynthSAEBench-16k's long runs: learning rate and schedule, then the hinge's weight and tau, on Matryoshka and L1.

Each point is one `benchmarks/synthsaebench_sampled.py` run (one seed, `--samples`, default 2M, from the sampler; the
same held-out rows for every run), appended to `--out`. Part 1: lr 3e-4 (the paper's) and 1e-3, each constant and with
a linear decay over the final 20%. Part 2, at each architecture's best part-1 setting by MCC, one factor at a time: the
hinge at 1/3, 1 and 3 times the default per-pair weight at tau 0.3, and tau 0.2 and 0.4 at the default weight. Runs already in `--out` are skipped, so a stopped sweep
continues where it stopped.

    .venv/bin/python benchmarks/synthsaebench_sweep.py
"""
import argparse, json, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
import synthsaebench_sampled as run

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archs", default="matryoshka,l1"); ap.add_argument("--samples", default="2e6")
    ap.add_argument("--out", default="benchmarks/recorded/synthsaebench_sweep_2cpu.jsonl")
    ap.add_argument("--part", type=int, choices=[1, 2], default=None, help="only this part")
    a = ap.parse_args(argv)
    common = ["--samples", a.samples, "--seeds", "1", "--out", a.out]
    archs = a.archs.split(",")
    if a.part in (None, 1):
        for arch in archs:
            for lr in ("3e-4", "1e-3"):
                for decay in ("0", "0.2"):
                    run.main(["--arch", arch, "--lr", lr, "--decay", decay, *common])
    if a.part in (None, 2):
        rows = [json.loads(l) for l in Path(a.out).read_text().splitlines()]
        for arch in archs:
            plain = [r for r in rows if r["arch"] == arch and not r["hinge"]]
            best = max(plain, key=lambda r: r["mcc"])
            w0 = run.default_w_pair(run_sampler())
            for mult, tau in ((1, "0.3"), (1 / 3, "0.3"), (3, "0.3"), (1, "0.2"), (1, "0.4")):
                    run.main(["--arch", arch, "--lr", str(best["lr"]), "--decay", str(best["decay"]), "--hinge", "--w-pair", f"{w0 * mult:.6g}", "--tau", tau, *common])

def run_sampler():
    "The training sampler of synthsaebench_sampled.py (its scale set), for the default hinge weight."
    from sae_nb.synthbench import load_or_build
    from sae_nb.sampler import SynthSampler
    s = SynthSampler(load_or_build("results/synthsaebench/model"), seed=0)
    s.scale = s.mean_norm_scale()
    return s

if __name__ == "__main__":
    main()
