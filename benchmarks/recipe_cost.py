"""What each piece of the public SynthSAEBench-16k records' recipe (`benchmarks/synthbench_long.py --public-recipe`) costs a
training step: samples/s of the long runs' Matryoshka setting (width 4,096, L0 25, batch 1,024, plain and hinge instances
of one batched SAE, rows drawn by `SynthSampler`, the engine's precision) without it, with one piece at a time, and with
all of them, timed in rounds that alternate the settings so that drift on a shared machine falls on all alike; the
median round per setting and its ratio to the plain setting's, all measured in this run. The k schedule falls from 80 to
25 over each timed round, so its cost is the mean over a run's schedule. Sizes a recipe run before it starts: the
samples/s of `all` times the budget is its training time on this machine.

    .venv/bin/python benchmarks/recipe_cost.py              # needs results/synthsaebench/model (benchmarks/synthsaebench_model.py)
    .venv/bin/python benchmarks/recipe_cost.py --steps 20 --rounds 2 --settings plain,ista,all
"""
import argparse, statistics, time
from pathlib import Path

P6 = [32, 128, 512, 1024, 2048, 4096]
SETTINGS = {   # name -> (SAEConfig keywords, TrainConfig keywords), as synthbench_long.PUBLIC sets them
    "plain": ({}, {}),
    "ista": (dict(ista_steps=1, ista_step=0.25), {}),
    "k80": ({}, dict(k_start=80.0)),
    "prefixes6": (dict(prefixes=P6), {}),
    "inner0.5detached": (dict(inner_weight=0.5, inner_detach=True), {}),
    "freqsort": ({}, dict(freq_sort=True)),   # --freq-sort, not in --public-recipe
    "all": (dict(ista_steps=1, ista_step=0.25, prefixes=P6, inner_weight=0.5, inner_detach=True), dict(k_start=80.0)),
}

def alternate(run, names, steps: int, rounds: int, label=lambda n: f"{n:<17}", versus=None) -> list:
    "Time `run(name, steps)` (seconds) for each name in `rounds` rounds that alternate the names, after a 5-step warm-up of each (allocator, threads), so that drift on a shared machine falls on all alike; one printed line per name: median samples/s (batch 1,024), every round's, and the ratio to the first name's (`versus` names it)."
    for n in names: run(n, 5)
    secs = {n: [] for n in names}
    for _ in range(rounds):
        for n in names: secs[n].append(run(n, steps))
    base, lines = 1024 * steps / statistics.median(secs[names[0]]), []
    for n in names:
        sps = 1024 * steps / statistics.median(secs[n])
        lines.append(f"{label(n)} {sps:8,.0f} samples/s (median of {rounds}; rounds {', '.join(f'{1024 * steps / s:,.0f}' for s in secs[n])}), "
                     f"{sps / base:.2f}x {versus or names[0]}; 10M samples in {1e7 / sps / 60:.0f} min")
        print(lines[-1], flush=True)
    return lines

def step_timer(model_dir):
    "The long runs' training step, timed: `(seconds(arch, steps, sae_kw, train_kw), header)`, where `seconds` trains `arch` (width 4,096, L0 25, AuxK; plain and hinge instances of one batched SAE from one seed, the hinge through neighbour lists; batch 1,024, lr 3e-4, rows drawn by `SynthSampler`, the engine's precision) for `steps` steps with the extra `SAEConfig`/`TrainConfig` keywords, and `header` names the CPU, threads, torch and precision."
    import torch
    from sae_nb.core import bf16_units, cpu_name, reuse_freed_memory
    from sae_nb.cli import synth_model_config
    from sae_nb.neighbours import NeighbourPenalty
    from sae_nb.sae import SAE, arch_config
    from sae_nb.sampler import SynthSampler
    from sae_nb.synthbench import load_or_build
    from sae_nb.train import TrainConfig, train_sae
    reuse_freed_memory()
    dev = torch.device("cpu")
    amp = bf16_units(dev) is not None
    model = load_or_build(Path(model_dir), synth_model_config(), log=lambda s: None)
    smp = SynthSampler(model, seed=0, device=dev); scale = smp.mean_norm_scale(); smp = SynthSampler(model, seed=0, device=dev, scale=scale)
    def seconds(arch, steps, sae_kw=None, train_kw=None):
        sae = SAE(arch_config(arch, 768, 4096, 25, n_inst=2, seed=[0, 0], aux=True, **(sae_kw or {})), device=dev)
        pen = NeighbourPenalty(torch.tensor([0.0, 0.7 * 4096 * 4095]), k=16, refresh_every=25, tau=0.3)
        cfg = TrainConfig(n_steps=steps, batch_size=1024, lr=3e-4, lr_decay_frac=0.0, progress=False, init_from_data=True, amp=amp, **(train_kw or {}))
        t = time.perf_counter(); train_sae(sae, smp, cfg, extra_loss=pen); return time.perf_counter() - t
    return seconds, f"{cpu_name()}, {torch.get_num_threads()} threads, torch {torch.__version__}, {'bf16' if amp else 'fp32'}"

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", default="results/synthsaebench/model")
    ap.add_argument("--settings", default=",".join(SETTINGS))
    ap.add_argument("--steps", type=int, default=30); ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default="benchmarks/recorded/recipe_cost_2cpu.txt")
    a = ap.parse_args(argv)
    names = a.settings.split(",")
    if bad := [n for n in names if n not in SETTINGS]: raise SystemExit(f"unknown setting(s) {', '.join(bad)}; known: {', '.join(SETTINGS)}")
    seconds, head = step_timer(a.model_dir)
    lines = [f"# {head}; matryoshka, width 4096, L0 25, batch 1024, "
             f"2 instances (plain, hinge through neighbour lists; samples/s counts the rows each instance sees); {a.steps} steps a round (after a warm-up round), "
             f"{a.rounds} rounds alternating the settings; k80 falls 80 -> 25 over each round"]
    print(lines[0], flush=True)
    run = lambda name, steps: seconds("matryoshka", steps, *SETTINGS[name])
    lines += alternate(run, names, a.steps, a.rounds)
    Path(a.out).write_text("\n".join(lines) + "\n"); print(f"wrote {a.out}")

if __name__ == "__main__":
    main()
