"""What an ISTA refinement pass of the encoder (`SAEConfig.ista_steps`) costs a SynthSAEBench-16k training step: samples/s
of the long runs' setting (width 4,096, L0 25, batch 1,024, plain and hinge instances of one batched SAE, rows drawn by
`SynthSampler`, the engine's precision), with 0, 1 and 2 passes, timed in rounds that alternate them so that drift on a
shared machine falls on all alike; the median round per setting, and each one's ratio to the one-pass encoder's, all
measured in this run. Sizes a long run before it starts (`benchmarks/synthbench_long.py --ista`).

    .venv/bin/python benchmarks/ista_cost.py                                   # needs results/synthsaebench/model (benchmarks/synthsaebench_model.py)
    .venv/bin/python benchmarks/ista_cost.py --archs matryoshka,batchtopk --steps 40 --rounds 5
"""
import argparse
from pathlib import Path

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", default="results/synthsaebench/model")
    ap.add_argument("--archs", default="matryoshka"); ap.add_argument("--passes", default="0,1,2")
    ap.add_argument("--steps", type=int, default=30); ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default="benchmarks/recorded/ista_cost_2cpu.txt")
    a = ap.parse_args(argv)
    from sae_nb.sae import K_SPARSE
    from recipe_cost import alternate, step_timer   # benchmarks/, this script's folder
    seconds, head = step_timer(a.model_dir)
    passes = [int(p) for p in a.passes.split(",")]
    lines = [f"# {head}; width 4096, L0 25, batch 1024, "
             f"2 instances (plain, hinge through neighbour lists; samples/s counts the rows each instance sees); {a.steps} steps a round (after a warm-up round), {a.rounds} rounds alternating the settings"]
    print(lines[0], flush=True)
    for arch in a.archs.split(","):
        if arch not in K_SPARSE: raise SystemExit(f"ISTA passes are for the k-sparse architectures ({', '.join(K_SPARSE)}), got {arch}")
        run = lambda p, steps, arch=arch: seconds(arch, steps, dict(ista_steps=p))
        lines += alternate(run, passes, a.steps, a.rounds, label=lambda p: f"{arch:<11} ista_steps {p}:", versus=f"the {passes[0]}-pass setting")
    Path(a.out).write_text("\n".join(lines) + "\n"); print(f"wrote {a.out}")

if __name__ == "__main__":
    main()
