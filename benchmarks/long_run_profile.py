"""Where a step of the long SynthSAEBench-16k run goes, and what `core.reuse_freed_memory` saves of it (`benchmarks/synthbench_long.py`): its L1 SAE (3 plain + 3 hinge
instances, width 4,096, batch 1,024, bf16, the hinge through neighbour lists) loaded from the run's checkpoint, a few
steps from the sampler timed with glibc's default allocator and then, in the same process, after `reuse_freed_memory`;
then under torch's profiler, the operators grouped by input shape. Pause the long run first
(`kill -TSTP PID`, then `kill -CONT PID`): two torch jobs on 2 cores slow each other about tenfold.

    .venv/bin/python benchmarks/long_run_profile.py [--steps 10] [--run results/synthbench_16k/seeds3_20M]

`--arch matryoshka` (or batchtopk, topk, jumprelu) profiles that architecture's step as the run sets it up: from its
checkpoint when the run has one, else freshly initialised from data, with `--dead-share` of each instance's latents
marked dead so that AuxK's pass is in the step, as it is once a run has dead latents.
"""
import argparse, json, time
import torch


def main(argv=None):
    from torch.profiler import profile, ProfilerActivity
    from sae_nb.core import cpu_name, load_checkpoint, reuse_freed_memory
    from sae_nb.synthbench import load_or_build
    from pathlib import Path
    from sae_nb.sae import K_SPARSE, SAE, arch_config
    from sae_nb.train import DeadLatents, InitFromData, Thresholds, TrainConfig, Trainer
    from sae_nb.neighbours import NeighbourPenalty
    from sae_nb.sampler import SynthSampler
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="results/synthbench_16k/seeds3_20M"); ap.add_argument("--model", default="results/synthsaebench/model")
    ap.add_argument("--steps", type=int, default=10); ap.add_argument("--rows", type=int, default=20)
    ap.add_argument("--arch", default="l1"); ap.add_argument("--dead-share", type=float, default=0.05)
    a = ap.parse_args(argv)
    model = load_or_build(a.model)
    st = json.load(open(f"{a.run}/run.json"))["settings"]
    arch, ks = a.arch, a.arch in K_SPARSE
    width, seeds, w, tau = st["width"], st["seeds"], st["w_pair"][arch], st["tau"][arch]
    inst = [("plain", s) for s in range(seeds)] + [("hinge", s) for s in range(seeds)]
    sae = SAE(arch_config(arch, st["hidden"], width, st["l0"], n_inst=len(inst), seed=[s for _, s in inst], aux=ks), device="cpu")
    path = Path(f"{a.run}/checkpoints/{arch}.ck")
    ck = load_checkpoint(path) if path.exists() else None
    if ck: sae.load_state_dict(ck["sae"])
    pen = NeighbourPenalty(torch.tensor([w * width * (width - 1) if v == "hinge" else 0.0 for v, _ in inst]), k=16, refresh_every=25, tau=tau)
    samp = SynthSampler(model, seed=0, device="cpu")
    samp = SynthSampler(model, seed=0, device="cpu", scale=samp.mean_norm_scale())
    tr = Trainer(sae, samp, TrainConfig(n_steps=10**6, batch_size=st["batch"], lr=st["lr"][arch], resample_every=None if ks else 500, progress=False,
                                        target_l0=None if ks else float(st["l0"]), amp=True, l1_warmup_frac=0, init_from_data=ck is None), extra_loss=pen,
                 callbacks=[InitFromData(), Thresholds(), dl := DeadLatents()])
    tr.run("before_fit"); tr.step = ck["step"] + 1 if ck else 0
    if ck is None and ks:   # a fresh run has no dead latents yet; mark some, so the step includes AuxK's pass
        g = torch.Generator().manual_seed(0)
        dl.since_fired[torch.rand(dl.since_fired.shape, generator=g) < a.dead_share] = 10**9
    for _ in range(5): tr.one_step(); tr.step += 1
    def timed():
        t0 = time.perf_counter()
        for _ in range(a.steps): tr.one_step(); tr.step += 1
        return (time.perf_counter() - t0) / a.steps * 1e3
    before = timed()
    applied = reuse_freed_memory()
    for _ in range(3): tr.one_step(); tr.step += 1
    ms = timed()
    t0 = time.perf_counter()
    for _ in range(a.steps): samp(st["batch"])
    print(f"# CPU {cpu_name()}, {torch.get_num_threads()} threads; {arch}, " + (f"checkpoint step {ck['step']}" if ck else f"fresh, {a.dead_share:.0%} of latents marked dead") + f"; {len(inst)} SAEs, L0 {tr.out['l0'].mean():.1f}; "
          f"the sampler's batch {(time.perf_counter() - t0) / a.steps * 1e3:.0f} ms")
    print(f"{before:.0f} ms a step with glibc's defaults, {ms:.0f} ms after reuse_freed_memory ({'applied' if applied else 'NOT applied'}): {before / ms:.2f}x, "
          f"{a.steps} steps each, same process")
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        for _ in range(a.steps): tr.one_step(); tr.step += 1
    rows = sorted(prof.key_averages(group_by_input_shape=True), key=lambda e: -e.self_cpu_time_total)[:a.rows]
    print("# with the profiler's own overhead; per step:")
    for e in rows: print(f"{e.key:40s} {e.self_cpu_time_total / 1e3 / a.steps:8.1f} ms  {e.count / a.steps:5.1f} calls  {str(e.input_shapes)[:120]}")


if __name__ == "__main__":
    main()
