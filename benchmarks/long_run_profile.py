"""Where a step of the long SynthSAEBench-16k run goes, and what `core.reuse_freed_memory` saves of it (`benchmarks/synthbench_long.py`): its L1 SAE (3 plain + 3 hinge
instances, width 4,096, batch 1,024, bf16, the hinge through neighbour lists) loaded from the run's checkpoint, a few
steps from the sampler timed with glibc's default allocator and then, in the same process, after `reuse_freed_memory`;
then under torch's profiler, the operators grouped by input shape. Pause the long run first
(`kill -TSTP PID`, then `kill -CONT PID`): two torch jobs on 2 cores slow each other about tenfold.

    .venv/bin/python benchmarks/long_run_profile.py [--steps 10] [--run results/synthbench_16k/seeds3_20M]
"""
import argparse, json, time
import torch


def main(argv=None):
    from torch.profiler import profile, ProfilerActivity
    from sae_nb.core import cpu_name, load_checkpoint, reuse_freed_memory
    from sae_nb.synthbench import load_or_build
    from sae_nb.sae import SAE, TrainConfig, Trainer, arch_config
    from sae_nb.neighbours import NeighbourPenalty
    from sae_nb.sampler import SynthSampler
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="results/synthbench_16k/seeds3_20M"); ap.add_argument("--model", default="results/synthsaebench/model")
    ap.add_argument("--steps", type=int, default=10); ap.add_argument("--rows", type=int, default=20)
    a = ap.parse_args(argv)
    model = load_or_build(a.model)
    st = json.load(open(f"{a.run}/run.json"))["settings"]
    width, seeds, w, tau = st["width"], st["seeds"], st["w_pair"]["l1"], st["tau"]["l1"]
    inst = [("plain", s) for s in range(seeds)] + [("hinge", s) for s in range(seeds)]
    sae = SAE(arch_config("l1", st["hidden"], width, st["l0"], n_inst=len(inst), seed=[s for _, s in inst]), device="cpu")
    ck = load_checkpoint(f"{a.run}/checkpoints/l1.ck"); sae.load_state_dict(ck["sae"])
    pen = NeighbourPenalty(torch.tensor([w * width * (width - 1) if v == "hinge" else 0.0 for v, _ in inst]), k=16, refresh_every=25, tau=tau)
    samp = SynthSampler(model, seed=0, device="cpu")
    samp = SynthSampler(model, seed=0, device="cpu", scale=samp.mean_norm_scale())
    tr = Trainer(sae, samp, TrainConfig(n_steps=10**6, batch_size=st["batch"], lr=st["lr"]["l1"], resample_every=500, progress=False,
                                        target_l0=float(st["l0"]), amp=True, l1_warmup_frac=0), extra_loss=pen)
    tr.run("before_fit"); tr.step = ck["step"] + 1
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
    print(f"# CPU {cpu_name()}, {torch.get_num_threads()} threads; checkpoint step {ck['step']}; {len(inst)} SAEs, L0 {tr.out['l0'].mean():.1f}; "
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
