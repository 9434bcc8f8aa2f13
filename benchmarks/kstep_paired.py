"""The k-sparse step of the long SynthSAEBench-16k run (`benchmarks/synthbench_long.py`), today's engine against the one
before it, paired in one process: Matryoshka and BatchTopK, 3 plain + 3 hinge instances of width 4,096, batch 1,024,
bf16, AuxK on, the hinge through neighbour lists, data from the sampler.

The SAEs start from a trained state: the short sweep's Matryoshka checkpoint (`results/synthsaebench_sampled/`, 2M
samples, one instance) tiled to the 6 instances, with its dead-latent counters, so that AuxK sees a trained run's dead
latents and their pre-activations (a fresh SAE has none; marking live latents dead would overstate AuxK's work).
BatchTopK takes the same weights: the same architecture without the prefixes.

The previous engine's three pieces are kept here as the baseline and swapped in and out of `sae_nb.sae` between
rounds (the same SAE, optimiser and sampler carry on; rounds alternate, so drift in the machine hits both alike):
- AuxK: the `k_aux` largest of every sample's masked (n_inst, batch, d_sae) pre-activations, kept when finite;
  today: only the dead columns gathered, and only entries above 0 (the rest add nothing and get no gradient);
- Matryoshka's nested errors through a `cumsum` over (n_inst, batch, P, d_in); today `archs.nested_errors`;
- b_dec's gradient summed from every sample's encoder-input gradient; today `select_encode(..., b_dec=)`.

Pause the long run first (`kill -TSTP PID`, then `kill -CONT PID`): two torch jobs on 2 cores slow each other tenfold.

    .venv/bin/python benchmarks/kstep_paired.py [--steps 6] [--rounds 3]
"""
import argparse, statistics, time
from contextlib import contextmanager
import torch


def old_with_aux(select, dead, k_aux):
    "The previous AuxK selection: topk over the whole masked pre-activation tensor."
    from sae_nb.archs import _inst_offsets
    if dead is None or not bool(dead.any()): return select
    def both(pre):
        n, B, m = pre.shape
        ka = min(k_aux, m)
        v, i = pre.masked_fill(~dead[:, None], float("-inf")).topk(ka, dim=-1, sorted=False)
        keep = torch.isfinite(v).reshape(-1)
        s = torch.arange(n * B, device=pre.device).repeat_interleave(ka)
        r = (i + _inst_offsets(n, m, pre.device)[..., None]).reshape(-1)
        return select(pre) + [(v.reshape(-1)[keep], s[keep], r[keep])]
    return both

def old_nested_errors(D, xc):
    "The previous nested errors: cumulative sums, then each prefix's squared error."
    parts = D.cumsum(2)
    errs = (parts - xc[:, :, None]).pow(2).sum(-1).mean(1)
    return errs, (xc - parts[:, :, -1]).detach()

def old_select_encode(x, W_enc, b_enc, select, csr=None, b_dec=None):
    "The previous call: the caller centred x, so b_dec's gradient came through every sample's encoder-input gradient."
    from sae_nb.archs import select_encode
    return select_encode(x if b_dec is None else x - b_dec[:, None], W_enc, b_enc, select, csr)

@contextmanager
def engine(old: bool):
    import sae_nb.sae as S
    saved = S.with_aux, S.nested_errors, S.select_encode
    if old: S.with_aux, S.nested_errors, S.select_encode = old_with_aux, old_nested_errors, old_select_encode
    try: yield
    finally: S.with_aux, S.nested_errors, S.select_encode = saved


def main(argv=None):
    from sae_nb.core import cpu_name, load_checkpoint, reuse_freed_memory
    from sae_nb.synthbench import load_or_build
    from sae_nb.sae import SAE, arch_config
    from sae_nb.train import DeadLatents, Thresholds, TrainConfig, Trainer
    from sae_nb.neighbours import NeighbourPenalty
    from sae_nb.sampler import SynthSampler
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="results/synthsaebench/model")
    ap.add_argument("--ckpt", default="results/synthsaebench_sampled/matryoshka_bf16_w4096_l025_n1999872_b1024_lr0.001_d0_seeds1.ck")
    ap.add_argument("--archs", default="matryoshka,batchtopk")
    ap.add_argument("--steps", type=int, default=6); ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args(argv)
    reuse_freed_memory()
    model = load_or_build(a.model)
    ck = load_checkpoint(a.ckpt)
    samp = SynthSampler(model, seed=0, device="cpu")
    samp = SynthSampler(model, seed=0, device="cpu", scale=samp.mean_norm_scale())
    width, n = 4096, 6
    print(f"# CPU {cpu_name()}, {torch.get_num_threads()} threads, torch {torch.__version__}; {n} SAEs (3 plain + 3 hinge) of width {width:,}, batch 1,024, bf16, AuxK; "
          f"start: {a.ckpt.split('/')[-1]} (step {ck['step']:,}) tiled to {n} instances; {a.steps} steps a round, {a.rounds} rounds each, alternating")
    for arch in a.archs.split(","):
        sae = SAE(arch_config(arch, 768, width, 25, n_inst=n, seed=[0, 1, 2, 0, 1, 2], aux=True), device="cpu")
        with torch.no_grad():
            for k, v in ck["sae"].items(): getattr(sae, k).copy_(v.expand_as(getattr(sae, k)))
        pen = NeighbourPenalty(torch.tensor([0.0] * 3 + [0.7 * width * (width - 1)] * 3), k=16, refresh_every=25, tau=0.3)
        tr = Trainer(sae, samp, TrainConfig(n_steps=10**6, batch_size=1024, lr=1e-3, resample_every=None, progress=False, amp=True),
                     extra_loss=pen, callbacks=[Thresholds(), dl := DeadLatents()])
        tr.run("before_fit")
        dl.since_fired.copy_(ck["states"]["DeadLatents"]["since_fired"].expand_as(dl.since_fired))
        dead0 = (dl.since_fired * 1024 >= tr.cfg.dead_tokens).float().mean().item()
        for _ in range(3): tr.one_step(); tr.step += 1
        ms = {False: [], True: []}
        for _ in range(a.rounds):
            for old in (True, False):
                with engine(old):
                    tr.one_step(); tr.step += 1   # one untimed step after each swap
                    t0 = time.perf_counter()
                    for _ in range(a.steps): tr.one_step(); tr.step += 1
                    ms[old].append((time.perf_counter() - t0) / a.steps * 1e3)
        aux = tr.dead.float().mean().item() if tr.dead is not None else 0.0
        o, t = statistics.median(ms[True]), statistics.median(ms[False])
        print(f"{arch:10s} previous engine {o:6.0f} ms a step (rounds {', '.join(f'{x:.0f}' for x in ms[True])}), today {t:6.0f} ms "
              f"({', '.join(f'{x:.0f}' for x in ms[False])}): {o / t:.2f}x; latents dead for AuxK {dead0:.1%} at the start, {aux:.1%} at the end")


if __name__ == "__main__":
    main()
