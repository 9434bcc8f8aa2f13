"""SynthSAEBench-16k trained straight from sae_nb's SynthSampler (no store): one batched SAE per variant, at the field's budgets.

Data: the model of `benchmarks/synthsaebench_model.py` (built if missing). Training rows come from
`SynthSampler(model, seed=0)`, scaled to mean norm sqrt(d); held-out rows (`--heldout`, default 65,536) from
`SynthSampler(model, seed=1_000_003)`, never trained on. SAEs: `--arch` at width `--width`, L0 `--l0` (k for the
k-sparse ones, the controller's target for L1 and JumpReLU), `--seeds` seeds as instances of one batched SAE, Adam
at `--lr` (`--decay` final fraction linear decay; 0 = the paper's constant lr), batch `--batch`, data-based init,
AuxK for the k-sparse ones, bf16 where the CPU has bf16 units (`--precision`). `--hinge`: max(0, |cos| - tau)^2 on neighbour lists
(k 16, refreshed every 25 steps), per-pair weight `--w-pair` (default: notebook 06's, scaled by the data's variance as
in `benchmarks/synthsaebench.py`). A run already in `--out` is skipped. Scores per seed on the held-out rows: SAELens's `eval_sae_on_synthetic_data` (MCC, F1,
EV, L0, dead share, ...) and `feature_diagnosis` (recovered / absorbed / only in combination / missing).
Resumable: training checkpoints under `--work` every `--checkpoint-every` steps; a killed run started again with the
same arguments continues where its last checkpoint left off (its training seconds, summed over the parts, travel in the
checkpoint; `kill -TSTP PID` pauses a run and `kill -CONT PID` continues it, the pause not counted). One JSON line per seed in `--out`.

    .venv/bin/python benchmarks/synthsaebench_sampled.py --arch matryoshka --samples 10_000_000 --seeds 1 --out benchmarks/recorded/synthsaebench_sampled_2cpu.jsonl
"""
from __future__ import annotations
import argparse, json, sys, time
from pathlib import Path
import torch

def default_w_pair(train, n=20_000):
    "`pair_weight` (notebook 06's per-pair hinge weight times the variance ratio) on the first n training rows; the training stream then starts afresh."
    from sae_nb.synthbench import pair_weight
    X = train.sample_with_features(n)[0] * train.scale
    train.rows -= n; train.g.manual_seed(train.seed)
    return pair_weight(X)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="results/synthsaebench/model")
    ap.add_argument("--work", default="results/synthsaebench_sampled")
    ap.add_argument("--arch", default="matryoshka"); ap.add_argument("--width", type=int, default=4096); ap.add_argument("--l0", type=int, default=25)
    ap.add_argument("--samples", type=float, default=10e6); ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--lr", type=float, default=3e-4); ap.add_argument("--decay", type=float, default=0.0)
    ap.add_argument("--seeds", type=int, default=1); ap.add_argument("--heldout", type=int, default=65_536)
    ap.add_argument("--hinge", action="store_true"); ap.add_argument("--w-pair", type=float, default=None); ap.add_argument("--tau", type=float, default=0.3)
    ap.add_argument("--precision", default="auto", choices=["auto", "bf16", "fp32"], help="auto: bf16 where the CPU has bf16 units")
    ap.add_argument("--checkpoint-every", type=int, default=1000)
    ap.add_argument("--out", default="benchmarks/recorded/synthsaebench_sampled_2cpu.jsonl")
    a = ap.parse_args(argv)
    from sae_nb.core import cpu_name, bf16_units
    from sae_nb.synthbench import load_or_build, saelens_scores, feature_diagnosis, diag_summary
    from sae_nb.sampler import SynthSampler, SampledSource
    from sae_nb.sae import SAE, arch_config, K_SPARSE
    from sae_nb.train import TrainConfig, train_sae, WallClock
    from sae_nb.neighbours import NeighbourPenalty
    t_all = time.perf_counter()
    model = load_or_build(a.model)
    train = SynthSampler(model, seed=0)
    train.scale = train.mean_norm_scale()
    held = SampledSource(SynthSampler(model, seed=1_000_003), a.heldout, scale=train.scale)
    steps = int(a.samples) // a.batch
    seeds = list(range(a.seeds))
    ks = a.arch in K_SPARSE
    amp = bf16_units("cpu") is not None if a.precision == "auto" else a.precision == "bf16"
    if a.hinge and a.w_pair is None: a.w_pair = default_w_pair(train)
    extra = NeighbourPenalty(a.w_pair * a.width * (a.width - 1), k=16, refresh_every=25, tau=a.tau) if a.hinge else None
    sae = SAE(arch_config(a.arch, model.cfg.hidden_dim, a.width, a.l0, n_inst=len(seeds), seed=seeds, aux=ks))
    cfg = TrainConfig(n_steps=steps, batch_size=a.batch, lr=a.lr, lr_decay_frac=a.decay, resample_every=None if ks else 500, progress=False,
                      init_from_data=True, target_l0=None if ks else float(a.l0), amp=amp)
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    name = (f"{a.arch}{f'_hinge{a.w_pair:.3g}_tau{a.tau:g}' if a.hinge else ''}_{'bf16' if amp else 'fp32'}_w{a.width}_l0{a.l0}_n{steps * a.batch}"
            f"_b{a.batch}_lr{a.lr:g}_d{a.decay:g}_seeds{len(seeds)}")
    if Path(a.out).exists() and any(json.loads(l).get("run") == name for l in Path(a.out).read_text().splitlines()):
        print(f"# {name} is already in {a.out}"); return
    clock = WallClock()
    train_sae(sae, train, cfg, extra_loss=extra, checkpoint=work / f"{name}.ck", checkpoint_every=a.checkpoint_every, callbacks=[clock])
    secs = clock.seconds()
    head = dict(cpu=cpu_name(), threads=torch.get_num_threads(), torch=torch.__version__, train_precision="bf16" if amp else "fp32", data="SynthSampler (no store)")
    with open(a.out, "a") as out:
        for i, s in enumerate(seeds):
            r = saelens_scores(sae, model, held.features, held.rows, inst=i, scale=train.scale)
            r.update(diag_summary(feature_diagnosis(sae, held, inst=i)))
            row = dict(run=name, arch=a.arch, hinge=a.hinge, w_pair=a.w_pair, tau=a.tau if a.hinge else None, seed=s, samples=steps * a.batch, width=a.width, l0_target=a.l0, lr=a.lr, decay=a.decay, batch=a.batch,
                       train_seconds=round(secs, 1), samples_per_s=round(steps * a.batch / secs), heldout=a.heldout, **head, **r)
            print(json.dumps({k: v for k, v in row.items() if not k.startswith("decile")}), flush=True)
            out.write(json.dumps(row) + "\n")
    print(f"# done in {time.perf_counter() - t_all:.0f}s (training {secs:.0f}s over all parts of the run); "
          f"reproduce: .venv/bin/python benchmarks/synthsaebench_sampled.py {' '.join(sys.argv[1:] if argv is None else argv)}", flush=True)

if __name__ == "__main__":
    main()
