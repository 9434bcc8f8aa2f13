"""Build SynthSAEBench-16k (v2 recipe) locally with `sae_lens.synthetic`, check it against SAELens's docs, save it.

The recipe is `sae_nb.synthbench.synthsaebench16k_config` (SAELens's `docs/synth_sae_bench.md`, v2). Nothing downloads.
Building takes about 20 minutes on 2 CPU cores (the orthogonalisation); `benchmarks/synthsaebench.py` builds it too
when it is missing. Checks printed and written next to the model (`checks.json`), asserted against the docs: true L0
over all features (~34) and over the 4,096 most frequent (~25), mean over features of the largest |cos| with another.

    .venv/bin/python benchmarks/synthsaebench_model.py --out results/synthsaebench/model
    cp results/synthsaebench/model/checks.json benchmarks/recorded/synthsaebench_model_checks.json
"""
import argparse, json, time
from pathlib import Path
import torch

def main(argv=None):
    from sae_nb.synthbench import synthsaebench16k_config, load_or_build, model_checks
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="results/synthsaebench/model")
    a = ap.parse_args(argv)
    t = time.time()
    model = load_or_build(a.out, synthsaebench16k_config())
    checks = dict(model_checks(model), build_seconds=round(time.time() - t), threads=torch.get_num_threads(), torch=torch.__version__)
    Path(a.out, "checks.json").write_text(json.dumps(checks, indent=1))
    print(json.dumps(checks))
    assert 30 < checks["true_l0"] < 38 and 22 < checks["true_l0_top4096"] < 28, checks   # the docs: ~34 and ~25

if __name__ == "__main__":
    main()
