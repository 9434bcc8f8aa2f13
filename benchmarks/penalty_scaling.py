"""Per-step cost of decoder-orthogonality penalties against a plain SAE training step, m = 4k … 131k latents.

Each measurement runs in a fresh process so its peak resident memory (ru_maxrss, above the process's memory once the
decoder exists) is its own. Prints a table and the command that reproduces it. Not a test: figures depend on the machine.

    .venv/bin/python benchmarks/penalty_scaling.py            # full grid (about 15 minutes on 2 CPU cores)
    .venv/bin/python benchmarks/penalty_scaling.py --quick    # m <= 16k only
    .venv/bin/python benchmarks/penalty_scaling.py --batch 1024   # a smaller batch makes every penalty relatively dearer
    python benchmarks/penalty_scaling.py --device cuda           # GPU: in one process, CUDA-synchronised timing, CUDA peak memory,
                                                                 # every method measured up to m = 131k (no projection), d up to 2048

fp32 throughout (on CUDA with torch's default: no TF32), so CPU and GPU figures compare the same arithmetic.
"""
from __future__ import annotations
import argparse, json, os, resource, subprocess, sys, time

METHODS = ("sae_step", "exact", "ortsae", "list_penalty", "refresh_exact", "refresh_rp32", "refresh_bf16")
EXACT_MAX_M = 16_384  # above this the O(m^2 d) methods are projected from the largest measured m (m^2 scaling)

def one(method: str, m: int, d: int, batch: int, k: int, reps: int, device: str = "cpu") -> dict:
    import torch
    torch.manual_seed(0)
    cuda = device.startswith("cuda")
    from sae_nb.ortho import pair_penalty, ortsae_penalty
    from sae_nb.neighbours import neighbour_lists, list_penalty, pair_pattern
    from sae_nb.sae import SAE, SAEConfig
    W = torch.randn(1, m, d, device=device); W /= W.norm(dim=-1, keepdim=True)
    if cuda: torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats(); base = torch.cuda.memory_allocated()
    else: base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if method == "sae_step":
        sae = SAE(SAEConfig(d, m, activation="topk", k=32), device=device)
        opt = torch.optim.Adam(sae.parameters(), lr=1e-4)
        x = torch.randn(batch, d, device=device)
        def run():
            out = sae.losses(x, check=False); opt.zero_grad(); out["loss"].sum().backward(); opt.step(); sae.normalize_decoder()
    elif method in ("exact", "ortsae", "list_penalty"):
        Wp = W.clone().requires_grad_()
        if method == "list_penalty": pat = pair_pattern(neighbour_lists(W, k, proj_dim=32)[0])
        def run():
            Wp.grad = None
            if method == "exact": pen = pair_penalty(Wp, "hinge", 2, 0.3)
            elif method == "ortsae": pen = ortsae_penalty(Wp, n_chunks=8)
            else: pen = list_penalty(Wp, pat, "hinge", 2, 0.3, normalize=False)  # unit-norm decoder, as NeighbourPenalty uses it
            pen.sum().backward()
    elif method == "refresh_exact": run = lambda: neighbour_lists(W, k)
    elif method == "refresh_rp32": run = lambda: neighbour_lists(W, k, proj_dim=32)
    elif method == "refresh_bf16": run = lambda: neighbour_lists(W, k, scan_dtype=torch.bfloat16)  # bf16 scan for 4k candidates, exact re-rank
    else: raise ValueError(f"unknown method {method!r}")
    run()  # warm-up
    if cuda: torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(reps): run()
    if cuda: torch.cuda.synchronize()
    secs = (time.perf_counter() - t0) / reps
    if cuda: return dict(seconds=secs, peak_MiB=(torch.cuda.max_memory_allocated() - base) / 2**20)
    return dict(seconds=secs, peak_MiB=(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)

def measure(method, m, d, batch, k, reps, device="cpu"):
    if device.startswith("cuda"):  # CUDA peak memory is per call (reset_peak_memory_stats), so one process will do
        import gc, torch
        r = one(method, m, d, batch, k, reps, device); gc.collect(); torch.cuda.empty_cache(); return r
    cmd = [sys.executable, __file__, "--one", method, str(m), str(d), "--batch", str(batch), "--k", str(k), "--reps", str(reps)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0: raise RuntimeError(f"{method} m={m} d={d} failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--one", nargs=3, metavar=("METHOD", "M", "D"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--batch", type=int, default=4096)  # SAELens's default train_batch_size_tokens
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--refresh", type=int, nargs="+", default=[25, 100])
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--exact-max-m", type=int, default=None, help="largest m at which the O(m^2 d) methods are measured; above it they are projected (default: 16384 on CPU, all on CUDA)")
    ap.add_argument("--methods", nargs="+", default=list(METHODS), help="a subset of " + " ".join(METHODS) + " (sae_step is always run)")
    ap.add_argument("--out", help="also write one JSON row per (m, d) to this file (the notebook plots benchmarks/recorded/*.jsonl)")
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one[0], int(a.one[1]), int(a.one[2]), a.batch, a.k, a.reps))); return
    import torch
    cuda = a.device.startswith("cuda")
    exact_max = a.exact_max_m or (1 << 30 if cuda else EXACT_MAX_M)
    grid = [(4096, 384), (4096, 768), (16384, 384), (16384, 768), (16384, 2048)]
    if not a.quick: grid += [(65536, 384), (65536, 768), (131072, 768)]
    if cuda and not a.quick: grid += [(65536, 2048), (131072, 2048)]
    rows, measured = [], {}
    where = torch.cuda.get_device_name(a.device) if cuda else f"{os.cpu_count()} CPUs, {torch.get_num_threads()} threads"
    print(f"# {where}, torch {torch.__version__}; SAE step = TopK k=32, batch {a.batch}, Adam; "
          f"penalties: hinge tau=0.3 p=2, OrtSAE 8 chunks, neighbour lists k={a.k}", flush=True)
    for m, d in grid:
        r = {}
        for meth in METHODS:
            if meth != "sae_step" and meth not in a.methods: r[meth] = dict(seconds=float("nan"), peak_MiB=float("nan")); continue
            if meth in ("exact", "refresh_exact") and m > exact_max:
                ref = exact_max
                if (ref, d, meth) not in measured: r[meth] = dict(seconds=float("nan"), peak_MiB=float("nan"), projected=True); continue
                base = measured[(ref, d, meth)]
                r[meth] = dict(seconds=base["seconds"] * (m / ref) ** 2, peak_MiB=base["peak_MiB"] * m / ref, projected=True)
                continue
            reps = a.reps * 5 if cuda else (1 if m >= 65536 else a.reps)
            r[meth] = measure(meth, m, d, a.batch, a.k, reps, a.device)
            measured[(m, d, meth)] = r[meth]
        step = r["sae_step"]["seconds"]
        row = dict(m=m, d=d, step_s=step, step_MiB=r["sae_step"]["peak_MiB"])
        for meth in METHODS[1:]:
            row[f"{meth}_s"] = r[meth]["seconds"]; row[f"{meth}_MiB"] = r[meth]["peak_MiB"]
            if r[meth].get("projected"): row[f"{meth}_s"] = f"~{r[meth]['seconds']:.1f}*"
        row["exact/step"] = (r["exact"]["seconds"] + 0) / step
        for R in a.refresh:
            for scan in ("rp32", "bf16"):
                row[f"nbr_{scan}(R={R})/step"] = (r["list_penalty"]["seconds"] + r[f"refresh_{scan}"]["seconds"] / R) / step
        rows.append(row)
        line = json.dumps({k_: (float(f"{v:.4g}") if isinstance(v, float) else v) for k_, v in row.items()})  # 4 significant digits: GPU figures are milliseconds
        print(line, flush=True)
        if a.out:
            with open(a.out, "a") as f: f.write(line + "\n")
    import pandas as pd
    pd.set_option("display.width", 250); pd.set_option("display.max_columns", 40)
    t = pd.DataFrame(rows)
    print("\nseconds per call (* = projected from the largest measured m by m^2 scaling) and overhead ratios vs the plain step")
    print(t[["m", "d", "step_s", "exact_s", "ortsae_s", "list_penalty_s", "refresh_exact_s", "refresh_rp32_s", "refresh_bf16_s", "exact/step"] + [c for c in t if c.startswith("nbr_")]].to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print("\nextra peak memory, MiB (above holding the decoder; " + ("CUDA max_memory_allocated)" if cuda else "process ru_maxrss)"))
    print(t[["m", "d", "step_MiB", "exact_MiB", "ortsae_MiB", "list_penalty_MiB", "refresh_exact_MiB", "refresh_rp32_MiB", "refresh_bf16_MiB"]].to_string(index=False, float_format=lambda v: f"{v:.0f}"))
    print(f"\nreproduce: python benchmarks/penalty_scaling.py{' --quick' if a.quick else ''}{' --device ' + a.device if cuda else ''}{f' --batch {a.batch}' if a.batch != 4096 else ''}")

if __name__ == "__main__": main()
