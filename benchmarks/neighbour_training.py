"""Neighbour-list vs exact hinge penalty *in training* at scale (m >= 16k latents), against ground truth.

Part 1 (--m, default 16,384 latents, d = 768): a synthetic dictionary of as many features (Zipf firing rates, a forest of
parent/child features, correlated roots: `scaled_model`), TopK SAEs with k = the data's true L0, trained with
  none | exact tiled hinge | neighbour lists (exact lists, refresh every R) | neighbour lists (32-dim sketch, every R),
several seeds each (one batched SAE per variant). Reports per variant: ms per step, EV, mean max cosine of the true
features (MMCS), recovered share (cos >= 0.9), rare-half recovered share, dead share, pairs above tau at the end, and
the lists' recall of pairs above tau at each refresh.
Part 2 (--big-m, default 65,536): plain TopK vs TopK + neighbour lists (scan: exact fp32, bf16 + exact re-rank, or a
32-dim sketch + exact re-rank; refresh every R) for --big-steps steps: wall-time overhead of the penalty in training
and the lists' recall. The exact penalty is not trained there (it is
timed in penalty_scaling.py).

    python benchmarks/neighbour_training.py --device cuda                 # about 6 minutes on one H100
    .venv/bin/python benchmarks/neighbour_training.py --m 1024 --d 128 --steps 300 --big-m 0   # a CPU smoke run

Penalty weight: the penalty is a mean over the m(m-1) ordered pairs, so the force on one near-parallel pair falls as 1/m^2.
`--w256` is the weight at m = 256 (notebook 06 used 300 there); the weight used is w256 * m(m-1) / (256*255), the same
per-pair force. On CUDA, TF32 matmuls are on (as GPU SAE trainers use them); --no-tf32 turns them off.
"""
from __future__ import annotations
import argparse, json, math, sys, time
import torch

def metrics(sae, src, tau, n=8192):
    from sae_nb.core import make_generator
    from sae_nb.experiments import explained_variance
    from sae_nb.metrics import decoder_geometry
    dev = sae.device
    ev = explained_variance(sae, src, n=n)
    x, _ = src.sample(n, make_generator(7, dev))
    fired = torch.zeros(sae.cfg.n_inst, sae.cfg.d_sae, dtype=torch.bool, device=dev)
    with torch.no_grad():
        for c in x.split(2048, 1): fired |= (sae.encode(c, check=False) > 0).any(1)
    F = src.F[0].to(dev)
    rare = src.p.to(dev) <= src.p.median()
    rows = []
    for i in range(sae.cfg.n_inst):
        D = sae.dec_dirs()[i]
        best = torch.full((F.shape[0],), -2.0, device=dev)
        for s in range(0, D.shape[0], 4096):  # tiled: (4096, n_features) at a time
            c = D[s:s + 4096] @ F.T
            c[~fired[i, s:s + 4096]] = -2.0
            best = torch.maximum(best, c.max(0).values)
        geo = decoder_geometry(D, tau)  # all latents, as the penalty sees them
        rec = best >= 0.9
        rows.append(dict(inst=i, ev=float(ev[i]), mmcs=float(best.clamp_min(0).mean()), recovered=float(rec.float().mean()),
                         rare_recovered=float(rec[rare].float().mean()), dead=float((~fired[i]).float().mean()),
                         pairs_above_tau=geo.pairs_above_tau, nn_cos=float(geo.nn_cos.mean())))
    return rows

def run(args):
    from sae_nb.structured import scaled_model
    from sae_nb.experiments import true_l0, train_matched
    from sae_nb.ortho import ortho_loss
    from sae_nb.neighbours import NeighbourPenalty
    dev = torch.device(args.device)
    cuda = dev.type == "cuda"
    if cuda: torch.backends.cuda.matmul.allow_tf32 = not args.no_tf32
    def sync():
        if cuda: torch.cuda.synchronize()
    out = open(args.out, "a") if args.out else None
    def emit(row):
        line = json.dumps({k: (float(f"{v:.4g}") if isinstance(v, float) else v) for k, v in row.items()})
        print(line, flush=True)
        if out: out.write(line + "\n"); out.flush()
    where = torch.cuda.get_device_name(dev) if cuda else f"CPU, {torch.get_num_threads()} threads"
    print(f"# {where}, torch {torch.__version__}, tf32={cuda and not args.no_tf32}", flush=True)
    seeds = list(range(args.seeds))
    if args.m:
        m, d = args.m, args.d
        src = scaled_model(n_features=args.features or m, d_in=d, n_roots=(args.features or m) // 16, branching=4, depth=1, seed=0).to(dev)
        k = max(1, round(true_l0(src)))
        w = args.w256 * m * (m - 1) / (256 * 255)
        print(f"# part 1: m={m} d={d} features={src.n_features} true L0 -> TopK k={k}; {args.steps} steps x batch {args.batch}; "
              f"seeds {seeds}; hinge tau={args.tau} p=2, weight {w:.3g} (w256={args.w256}); lists k={args.k}, R={args.R}", flush=True)
        variants = {"none": None,
                    "exact": lambda: ortho_loss(w, "hinge", 2.0, args.tau, tile=2048),
                    "lists": lambda: NeighbourPenalty(w, k=args.k, refresh_every=args.R, tau=args.tau),
                    "lists_rp32": lambda: NeighbourPenalty(w, k=args.k, refresh_every=args.R, tau=args.tau, proj_dim=32),
                    "lists_bf16": lambda: NeighbourPenalty(w, k=args.k, refresh_every=args.R, tau=args.tau, scan_dtype=torch.bfloat16),
                    "lists_bf16_R10": lambda: NeighbourPenalty(w, k=args.k, refresh_every=10, tau=args.tau, scan_dtype=torch.bfloat16),
                    "lists_bf16_auto": lambda: NeighbourPenalty(w, k=args.k, refresh_every=args.R, tau=args.tau, scan_dtype=torch.bfloat16, target_recall=0.99)}
        for name in args.variants:
            extra = variants[name]() if variants[name] else None
            sync(); t0 = time.perf_counter()
            sae, _ = train_matched(src, m, seeds, k, "topk", 0.0, args.steps, args.batch, args.lr, resample_every=args.resample,
                                   device=dev, extra_loss=extra, data_seed=1)
            sync(); secs = time.perf_counter() - t0
            log = getattr(extra, "log", [])
            late = [r["recall"] for r in log if r["step"] >= args.steps // 5 and not math.isnan(r["recall"])]
            allr = [r["recall"] for r in log if not math.isnan(r["recall"])]
            for row in metrics(sae, src, args.tau):
                emit(dict(part=1, variant=name, m=m, d=d, k=k, seed=seeds[row.pop("inst")], ms_per_step=1000 * secs / args.steps, **row,
                          recall_min_after_20pct=min(late) if late else float("nan"), recall_min=min(allr) if allr else float("nan"),
                          recall_mean=sum(allr) / len(allr) if allr else float("nan"), refreshes=len(log),
                          refresh_s=sum(r["seconds"] for r in log) / max(1, len(log))))
            del sae
            if cuda: torch.cuda.empty_cache()
    if args.big_m:
        m, d = args.big_m, args.d
        src = scaled_model(n_features=m, d_in=d, n_roots=m // 16, branching=4, depth=1, p_max=0.1, p_min=1e-4, seed=1).to(dev)
        k = max(1, round(true_l0(src)))
        w = args.w256 * m * (m - 1) / (256 * 255)
        print(f"# part 2: m={m} d={d} true L0 -> TopK k={k}; {args.big_steps} steps x batch {args.batch}; 1 seed; lists k={args.k}, R={args.R}, 32-dim sketch", flush=True)
        res = {}
        for name in args.big_variants:  # "none", or "<scan>:<R>" with scan in exact | bf16 | rp32, R a number or "auto" (target recall 0.99)
            extra = None
            if name != "none":
                scan, R = name.split(":")
                extra = NeighbourPenalty(w, k=args.k, refresh_every=args.R if R == "auto" else int(R), tau=args.tau, proj_dim=32 if scan == "rp32" else None,
                                         scan_dtype=torch.bfloat16 if scan == "bf16" else None, target_recall=0.99 if R == "auto" else None)
            sync(); t0 = time.perf_counter()
            sae, _ = train_matched(src, m, [0], k, "topk", 0.0, args.big_steps, args.batch, args.lr, resample_every=None,
                                   device=dev, extra_loss=extra, data_seed=2)
            sync(); secs = time.perf_counter() - t0
            log = getattr(extra, "log", [])
            allr = [r["recall"] for r in log if not math.isnan(r["recall"])]
            row = metrics(sae, src, args.tau, n=4096)[0]; row.pop("inst")
            res[name] = secs
            emit(dict(part=2, variant=name, m=m, d=d, k=k, steps=args.big_steps, ms_per_step=1000 * secs / args.big_steps,
                      overhead=secs / res["none"] - 1 if "none" in res else float("nan"), **row,
                      recall_min=min(allr) if allr else float("nan"), recall_mean=sum(allr) / len(allr) if allr else float("nan"), refreshes=len(log),
                      refresh_s=sum(r["seconds"] for r in log) / max(1, len(log))))
            del sae
            if cuda: torch.cuda.empty_cache()

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--m", type=int, default=16384, help="part 1 width (0 skips part 1)")
    ap.add_argument("--d", type=int, default=768)
    ap.add_argument("--features", type=int, default=None, help="true features in part 1 (default: m)")
    ap.add_argument("--steps", type=int, default=2500)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--resample", type=int, default=500)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--w256", type=float, default=300.0)
    ap.add_argument("--tau", type=float, default=0.3)
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--R", type=int, default=25)
    ap.add_argument("--variants", nargs="+", default=["none", "exact", "lists", "lists_rp32", "lists_bf16", "lists_bf16_R10"])
    ap.add_argument("--big-m", type=int, default=65536, help="part 2 width (0 skips part 2)")
    ap.add_argument("--big-steps", type=int, default=400)
    ap.add_argument("--big-variants", nargs="+", default=["none", "bf16:25", "bf16:10", "exact:25", "rp32:25"])
    ap.add_argument("--no-tf32", action="store_true")
    ap.add_argument("--out", help="append one JSON row per (variant, seed) to this file")
    args = ap.parse_args(argv)
    run(args)
    print("reproduce: python benchmarks/neighbour_training.py " + " ".join(sys.argv[1:]))

if __name__ == "__main__": main()
