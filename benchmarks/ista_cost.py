"""What an ISTA refinement pass of the encoder (`SAEConfig.ista_steps`) costs a SynthSAEBench-16k training step: samples/s
of the long runs' setting (width 4,096, L0 25, batch 1,024, plain and hinge instances of one batched SAE, rows drawn by
`SynthSampler`, the engine's precision), with 0, 1 and 2 passes, timed in rounds that alternate them so that drift on a
shared machine falls on all alike; the median round per setting, and each one's ratio to the one-pass encoder's, all
measured in this run. Sizes a long run before it starts (`benchmarks/synthbench_long.py --ista`).

    .venv/bin/python benchmarks/ista_cost.py                                   # needs results/synthsaebench/model (benchmarks/synthsaebench_model.py)
    .venv/bin/python benchmarks/ista_cost.py --archs matryoshka,batchtopk --steps 40 --rounds 5
"""
import argparse, time
from pathlib import Path

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", default="results/synthsaebench/model")
    ap.add_argument("--archs", default="matryoshka"); ap.add_argument("--passes", default="0,1,2")
    ap.add_argument("--steps", type=int, default=30); ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default="benchmarks/recorded/ista_cost_2cpu.txt")
    a = ap.parse_args(argv)
    import torch
    from sae_nb.core import bf16_units, cpu_name, reuse_freed_memory
    from sae_nb.cli import synth_model_config
    from sae_nb.neighbours import NeighbourPenalty
    from sae_nb.sae import SAE, arch_config, K_SPARSE
    from sae_nb.sampler import SynthSampler
    from sae_nb.synthbench import load_or_build
    from sae_nb.train import TrainConfig, train_sae
    from recipe_cost import alternate   # benchmarks/, this script's folder
    reuse_freed_memory()
    dev = torch.device("cpu")
    amp = bf16_units(dev) is not None
    model = load_or_build(Path(a.model_dir), synth_model_config(), log=lambda s: None)
    smp = SynthSampler(model, seed=0, device=dev); scale = smp.mean_norm_scale(); smp = SynthSampler(model, seed=0, device=dev, scale=scale)
    passes = [int(p) for p in a.passes.split(",")]
    lines = [f"# {cpu_name()}, {torch.get_num_threads()} threads, torch {torch.__version__}, {'bf16' if amp else 'fp32'}; width 4096, L0 25, batch 1024, "
             f"2 instances (plain, hinge through neighbour lists; samples/s counts the rows each instance sees); {a.steps} steps a round (after a warm-up round), {a.rounds} rounds alternating the settings"]
    print(lines[0], flush=True)
    for arch in a.archs.split(","):
        if arch not in K_SPARSE: raise SystemExit(f"ISTA passes are for the k-sparse architectures ({', '.join(K_SPARSE)}), got {arch}")
        def run(p, steps):
            sae = SAE(arch_config(arch, 768, 4096, 25, n_inst=2, seed=[0, 0], aux=True, ista_steps=p), device=dev)
            pen = NeighbourPenalty(torch.tensor([0.0, 0.7 * 4096 * 4095]), k=16, refresh_every=25, tau=0.3)
            cfg = TrainConfig(n_steps=steps, batch_size=1024, lr=3e-4, lr_decay_frac=0.0, progress=False, init_from_data=True, amp=amp)
            t = time.perf_counter(); train_sae(sae, smp, cfg, extra_loss=pen); return time.perf_counter() - t
        lines += alternate(run, passes, a.steps, a.rounds, label=lambda p: f"{arch:<11} ista_steps {p}:", versus=f"the {passes[0]}-pass setting")
    Path(a.out).write_text("\n".join(lines) + "\n"); print(f"wrote {a.out}")

if __name__ == "__main__":
    main()
