"""Build SynthSAEBench-16k (v2 recipe) locally with `sae_lens.synthetic`, check it against SAELens's docs, save it.

The recipe is `sae_nb.synthbench.synthsaebench16k_config` (SAELens's `docs/synth_sae_bench.md`, v2). Nothing downloads.
The orthogonalisation dominates the build: with `sae_nb.synthbench.orthogonalize_fast` (the default; the same Adam
steps with the gradient in closed form) about 11 minutes on 2 CPU cores, with SAELens's own loop (`--exact`) 25-40.
`benchmarks/synthsaebench.py` and `sae-nb synthbench` build it too when it is missing. `--compare-steps N` times N
orthogonalisation steps of each on the full-size random start, in one run, and writes `benchmarks/recorded/orthogonalize_speed_2cpu.txt`. Checks printed and written next to the model (`checks.json`), asserted against the docs: true L0
over all features (~34) and over the 4,096 most frequent (~25), mean over features of the largest |cos| with another.

    .venv/bin/python benchmarks/synthsaebench_model.py --out results/synthsaebench/model
    cp results/synthsaebench/model/checks.json benchmarks/recorded/synthsaebench_model_checks_fast.json   # --exact: synthsaebench_model_checks.json
    .venv/bin/python benchmarks/synthsaebench_model.py --compare-steps 3
"""
import argparse, json, time
from pathlib import Path
import torch

def compare_steps(n: int, out="benchmarks/recorded/orthogonalize_speed_2cpu.txt"):
    "Seconds per orthogonalisation step of SAELens's loop and of orthogonalize_fast on 16,384 x 768 (its config's lr and chunk), one run."
    from sae_lens.synthetic.feature_dictionary import orthogonalize_embeddings
    from sae_nb.synthbench import orthogonalize_fast
    from sae_nb.core import cpu_name, bf16_units
    X = torch.randn(16_384, 768, generator=torch.Generator().manual_seed(0))
    sec = {}
    for name, f in (("orthogonalize_fast", orthogonalize_fast), ("SAELens orthogonalize_embeddings", orthogonalize_embeddings)):
        t = time.perf_counter(); f(X, num_steps=n, lr=3e-4); sec[name] = (time.perf_counter() - t) / n
    a, b = sec["SAELens orthogonalize_embeddings"], sec["orthogonalize_fast"]
    text = (f"orthogonalisation of 16,384 x 768, fp32, {n} steps each, one run; {cpu_name()} ({bf16_units('cpu') or 'no bf16 units'}), {torch.get_num_threads()} threads, torch {torch.__version__}\n"
            + "".join(f"{k}: {v:.2f} s/step\n" for k, v in sec.items()) + f"orthogonalize_fast is {a / b:.1f}x faster a step; 100 steps: {100 * b / 60:.1f} min against {100 * a / 60:.1f} min\n")
    print(text, end=""); Path(out).write_text(text)

def main(argv=None):
    from sae_nb.synthbench import synthsaebench16k_config, load_or_build, model_checks
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="results/synthsaebench/model")
    ap.add_argument("--exact", action="store_true", help="orthogonalise with SAELens's own loop (autograd through masks) instead of orthogonalize_fast")
    ap.add_argument("--compare-steps", type=int, default=0, metavar="N", help="only time N orthogonalisation steps of each implementation and record them")
    a = ap.parse_args(argv)
    if a.compare_steps: return compare_steps(a.compare_steps)
    t = time.time()
    model = load_or_build(a.out, synthsaebench16k_config(), fast=not a.exact)
    from sae_nb.core import cpu_name
    checks = dict(model_checks(model), build_seconds=round(time.time() - t), orthogonalisation="SAELens's loop" if a.exact else "orthogonalize_fast",
                  cpu=cpu_name(), threads=torch.get_num_threads(), torch=torch.__version__)
    Path(a.out, "checks.json").write_text(json.dumps(checks, indent=1))
    print(json.dumps(checks))
    assert 30 < checks["true_l0"] < 38 and 22 < checks["true_l0_top4096"] < 28, checks   # the docs: ~34 and ~25

if __name__ == "__main__":
    main()
