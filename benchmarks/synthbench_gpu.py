"""SynthSAEBench-16k at the paper's budget on a GPU machine (issue 24): Matryoshka plain and with the hinge as two instances of one batched SAE, bf16, in one device call; packed here, trained there, scored here.

The GPU machine has torch, safetensors, scipy and pandas but not sae-lens, so nothing there reads the SAELens model:
`pack` writes what the sampler draws from (`SynthSampler.save_tables`: 52 MB for SynthSAEBench-16k, inside one call's
64 MiB with the checkout) and the run's settings to `.gpu/` (git-ignored, carried); `train` draws rows from those tables
on the GPU, first times `--probe-steps` steps of the same SAE, sizes the run to what fits in `--budget` seconds (the
paper's 200M samples where they fit, else the largest round number that does; the lr and k schedules are laid out for
that length), trains, and writes each instance's weights (two files of 12.6 MB each, under the 16 MiB a returned file
may have), its MCC curve (our Hungarian MCC against the true directions, the same as SAELens's) and the timings to
`--out`; `score` reads them back here and scores them as `sae-nb synthbench` does (SAELens's metrics on the held-out
rows, the per-feature diagnosis, combination latents), into `benchmarks/recorded/synthbench_16k_gpu/`.

    .venv/bin/python benchmarks/synthbench_gpu.py pack                                  # here (needs the model: benchmarks/synthsaebench_model.py)
    # there, one call with carry [".gpu"] and a timeout_s of 560:
    PYTHONUNBUFFERED=1 python3 benchmarks/synthbench_gpu.py train --budget 420 --out $OUT
    .venv/bin/python benchmarks/synthbench_gpu.py score --run /work/.device/<files_at>     # here
    .venv/bin/python benchmarks/synthbench_gpu.py smoke                                 # here, CPU: all three stages on a 1,024-feature model (about a minute)

Recipe: `--recipe public` is `synthbench_long.py --public-recipe` (the settings of the recorded CPU runs on three
seeds); `--recipe plain` is plain Matryoshka at the paper's settings (lr 3e-4 constant). `--freq-sort` as in
`sae-nb synthbench`. The hinge's weight and tau are the sweep's (`benchmarks/recorded/synthsaebench_sweep_2cpu.jsonl`).
The GPU's random streams are not the CPU's: its batches are other rows of the same distribution, so it is compared with
the CPU runs as one more seed pair, not as a twin.
"""
from __future__ import annotations
import argparse, json, math, os, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT / "benchmarks"))
import torch

PACK = ROOT / ".gpu"
def round_down(n: int) -> int:
    "The largest of 1, 1.5, 2, 3, 4, 5, 7.5 × 10^k samples not above n (a sized run's length: 200M, 150M, 100M, 75M, 50M, ...)."
    if n < 1: return 0
    e = 10 ** int(math.floor(math.log10(n)))
    return int(max(m * e for m in (1, 1.5, 2, 3, 4, 5, 7.5) if m * e <= n))

def recipe_settings(name: str, freq_sort: bool) -> dict:
    "`sae-nb synthbench`'s recipe keywords for `--recipe`."
    from synthbench_long import PUBLIC
    lr, decay = 3e-4, 0.0
    if name == "public":
        rec = dict(ista_steps=PUBLIC["ista"], ista_step=0.25, k_start=PUBLIC["k_start"], lr_warmup=PUBLIC["lr_warmup"],
                   prefixes=[int(p) for p in PUBLIC["prefixes"].split(",")], inner_weight=PUBLIC["inner_weight"], inner_detach=PUBLIC["detach_inner"])
        decay = PUBLIC["decay"]
    else: rec = {}
    if freq_sort: rec["freq_sort"] = True
    return dict(recipe=rec, lr=lr, decay=decay)

def pack(model_dir: Path, out: Path, recipe: str, freq_sort: bool, seed: int, width: int, l0: int, batch: int, log=print) -> Path:
    "The sampler's tables and the run's settings, for `train` on a machine without sae-lens."
    from sae_nb.synthbench import load_or_build
    from synthbench_long import chosen
    return _pack(load_or_build(model_dir, log=log), out, recipe, freq_sort, seed, width, l0, batch, chosen(ROOT / "benchmarks/recorded/synthsaebench_sweep_2cpu.jsonl")["matryoshka"], log)

def _pack(model, out: Path, recipe: str, freq_sort: bool, seed: int, width: int, l0: int, batch: int, hinge: dict, log=print) -> Path:
    from sae_nb.sampler import SynthSampler
    from sae_nb.core import atomic_write
    probe = SynthSampler(model, seed=0)
    scale = probe.mean_norm_scale()   # as sae-nb synthbench measures it: the training scale the CPU runs used
    out.mkdir(parents=True, exist_ok=True)
    probe.save_tables(out / "tables.safetensors")
    st = recipe_settings(recipe, freq_sort)
    if "prefixes" in st["recipe"] and width != 4096: st["recipe"]["prefixes"] = [max(1, p * width // 4096) for p in st["recipe"]["prefixes"]]   # a smaller SAE: the same fractions
    st = dict(st, recipe_name=recipe, seed=seed, width=width, l0=l0, batch=batch, scale=scale,
              w_pair=hinge["w_pair"], tau=hinge["tau"], features=probe.n_features, hidden=probe.d_in)
    atomic_write(out / "settings.json", json.dumps(st, indent=1).encode())
    log(f"packed {out}: tables {(out / 'tables.safetensors').stat().st_size / 2**20:.1f} MiB, settings {st}")
    return out

class _Deadline(Exception): pass

def _build(st: dict, dev, n_steps: int):
    "The batched SAE (plain, hinge), its penalty and its TrainConfig, as `sae-nb synthbench` builds them; bf16 where `dev` has bf16 units (a CUDA GPU does)."
    from sae_nb.cli import _synth_parts
    from sae_nb.core import bf16_units
    return _synth_parts("matryoshka", [("plain", st["seed"]), ("hinge", st["seed"])], hidden=st["hidden"], width=st["width"], l0=st["l0"], w_pair=st["w_pair"],
                        tau=st["tau"], steps=n_steps, batch=st["batch"], lr=st["lr"], decay=st["decay"], amp=bf16_units(dev) is not None, recipe=st["recipe"], dev=dev)

def _sync(dev):
    if dev.type == "cuda": torch.cuda.synchronize(dev)

def train(pack_dir: Path, out: Path, budget: float, target: int, probe_steps: int, curve_every: int, device: str | None, log=print) -> dict:
    "Size, train and write back (see the module's docstring)."
    from sae_nb.core import get_device
    from sae_nb.sampler import SynthSampler, pair_share
    from sae_nb.diagnosis import mcc
    from sae_nb.train import Callback, train_sae
    from safetensors.torch import save_file
    t_start = time.perf_counter()
    dev = get_device(device)
    st = json.loads((pack_dir / "settings.json").read_text())
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
    log(f"device {name}, torch {torch.__version__}; settings {st}")
    smp = SynthSampler.from_tables(pack_dir / "tables.safetensors", seed=0, device=dev, scale=st["scale"])
    Ftrue = smp.F

    class Timer(Callback):   # seconds per step over steps skip..stop (the first `skip`: compilation, allocator warm-up), then stop
        def __init__(self, skip, stop): self.skip, self.stop, self.t = skip, stop, None
        def after_step(self, tr):
            if tr.step == self.skip - 1: _sync(dev); self.t = time.perf_counter()
            if tr.step == self.stop - 1: _sync(dev); self.per_step = (time.perf_counter() - self.t) / (self.stop - self.skip); raise _Deadline("probe done")
    # probe: the same SAE, sampler (another seed) and penalty, its schedules laid out for the target's length, so the
    # probe's steps are the run's first ones, at k_start, the dearest where k anneals: the sizing errs on the short side
    target_steps = max(target // st["batch"], probe_steps + 1)
    sae, pen, cfg = _build(st, dev, target_steps)
    if probe_steps < 2: raise SystemExit(f"--probe-steps must be at least 2, got {probe_steps}")
    tm = Timer(max(1, probe_steps // 5), probe_steps)
    try: train_sae(sae, SynthSampler.from_tables(pack_dir / "tables.safetensors", seed=99, device=dev, scale=st["scale"]), cfg, extra_loss=pen, callbacks=[tm])
    except _Deadline: pass
    del sae, pen
    left = budget - (time.perf_counter() - t_start)
    fits = int(left * 0.92 / tm.per_step) * st["batch"]   # 8% for the curve points and the writes
    n_steps = round_down(min(target, fits)) // st["batch"]
    if n_steps < 1: raise SystemExit(f"{tm.per_step * 1e3:.1f} ms a step: not one step fits in the {left:.0f} s left of --budget {budget:g}")
    log(f"probe: {probe_steps} steps, {tm.per_step * 1e3:.2f} ms a step ({st['batch'] / tm.per_step:,.0f} samples/s for the pair); {left:.0f} s left fit {fits:,} samples; "
        f"training {n_steps * st['batch']:,} ({n_steps:,} steps), target {target:,}")

    curve, deadline = [], t_start + budget
    class Points(Callback):
        order = 40
        def __init__(self): self.seconds, self.steps = 0.0, 0
        def after_step(self, tr):
            self.steps = tr.step + 1
            n = (tr.step + 1) * tr.cfg.batch_size
            if time.perf_counter() > deadline: raise _Deadline(f"--budget {budget:g} s reached at step {tr.step + 1:,}")
            if n // curve_every == (n - tr.cfg.batch_size) // curve_every and tr.step != tr.cfg.n_steps - 1: return
            t = time.perf_counter()
            D = tr.sae.dec_dirs().float()
            pt = dict(samples=n, seconds=round(t - t0 - self.seconds, 1))
            for i, v in enumerate(("plain", "hinge")):
                pt[f"mcc_{v}"] = round(mcc(D[i], Ftrue), 4); pt[f"pairs_above_tau_{v}"] = pair_share(tr.sae, i, st["tau"])
            curve.append(pt); self.seconds += time.perf_counter() - t
            log(f"  {n:,} samples, {pt['seconds']:.0f} s training: MCC plain {pt['mcc_plain']:.4f}, hinge {pt['mcc_hinge']:.4f} (this point took {time.perf_counter() - t:.1f} s)")
    sae, pen, cfg = _build(st, dev, n_steps)
    pts = Points(); t0 = time.perf_counter(); status = "done"
    try: train_sae(sae, smp, cfg, extra_loss=pen, callbacks=[pts])
    except _Deadline as e: status = f"stopped: {e}"; log(status)
    _sync(dev); secs = time.perf_counter() - t0 - pts.seconds
    out.mkdir(parents=True, exist_ok=True)
    sd = {k: v.detach().float().cpu() for k, v in sae.state_dict().items()}
    for i, v in enumerate(("plain", "hinge")):   # W_enc and W_dec apart: each file under the 16 MiB a returned file may have
        save_file({k: t[i].contiguous() for k, t in sd.items() if k != "W_dec"}, str(out / f"{v}_enc.safetensors"))
        save_file({"W_dec": sd["W_dec"][i].contiguous()}, str(out / f"{v}_dec.safetensors"))
    res = dict(settings=st, status=status, device=name, torch=torch.__version__, samples=pts.steps * st["batch"],
               steps=n_steps, train_seconds=round(secs, 1), probe_ms_per_step=round(tm.per_step * 1e3, 3), curve_seconds=round(pts.seconds, 1),
               samples_per_s=round(pts.steps * st["batch"] / secs), budget=budget, target=target, curve=curve,
               call_seconds=round(time.perf_counter() - t_start, 1))
    (out / "result.json").write_text(json.dumps(res, indent=1))
    log(f"{status}: {res['samples']:,} samples in {secs:.0f} s training ({res['samples_per_s']:,} samples/s for the pair); the call so far {res['call_seconds']:.0f} s; wrote {', '.join(sorted(p.name for p in out.iterdir()))}")
    return res

def score(run: Path, model_dir: Path, dest: Path, heldout: int = 65_536, log=print, model=None) -> list[dict]:
    "Score what `train` wrote back (in `run`) as `sae-nb synthbench` scores its SAEs; write the rows, curve and combinations to `dest`."
    import pandas as pd
    from safetensors.torch import load_file
    from sae_nb.core import atomic_write, cpu_name
    from sae_nb.synthbench import load_or_build
    from sae_nb.sampler import SynthSampler, SampledSource, instance_scores
    res = json.loads((run / "result.json").read_text())
    st = res["settings"]
    model = model if model is not None else load_or_build(model_dir, log=log)
    probe = SynthSampler(model, seed=0)
    here = probe.mean_norm_scale()
    if abs(here - st["scale"]) > 1e-6 * st["scale"]: raise ValueError(f"{run} was trained on another model's tables (scale {st['scale']:.6g}, this model's {here:.6g})")
    sae, _, _ = _build(st, torch.device("cpu"), 1)
    parts = [{**load_file(str(run / f"{v}_enc.safetensors")), **load_file(str(run / f"{v}_dec.safetensors"))} for v in ("plain", "hinge")]
    sae.load_state_dict({k: torch.stack([p[k] for p in parts]) for k in parts[0]})
    held = SampledSource(SynthSampler(model, seed=1_000_003), heldout, scale=st["scale"])
    rows, combos = [], []
    for i, v in enumerate(("plain", "hinge")):
        lab = dict(arch="matryoshka", variant=v, seed=st["seed"], hinge=v == "hinge")
        r, cl = instance_scores(sae, i, model, held, probe, st["scale"], st["tau"])
        rows.append(dict(lab, **r, samples=res["samples"], train_seconds=res["train_seconds"], device=res["device"], status=res["status"],
                         lr=st["lr"], decay=st["decay"], w_pair=st["w_pair"] if v == "hinge" else None, tau=st["tau"]))
        combos += [dict(lab, **c) for c in cl.to_dict("records")]
        log(f"  {v}: MCC {r['mcc']:.3f}, F1 {r['f1']:.3f}, EV {r['ev']:.3f}, L0 {r['l0']:.1f}, dead {r['dead']:.3f}, combinations {r['combinations']} ({r['parent_child']} parent+child)")
    name = f"matryoshka_{st['recipe_name']}{'_freqsort' if st['recipe'].get('freq_sort') else ''}_seed{st['seed']}_{res['samples'] / 1e6:g}M"
    d = dest / name; d.mkdir(parents=True, exist_ok=True)
    atomic_write(d / "table.csv", pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("decile")} for r in rows]).to_csv(index=False).encode())
    atomic_write(d / "rows.json", json.dumps(rows).encode())
    atomic_write(d / "curve.csv", pd.DataFrame(res["curve"]).to_csv(index=False).encode())
    atomic_write(d / "combinations.csv", pd.DataFrame(combos).to_csv(index=False).encode())
    atomic_write(d / "run.json", json.dumps({k: v for k, v in res.items() if k != "curve"} | dict(scored_on=cpu_name(), heldout=heldout), indent=1).encode())
    log(f"recorded {d}: {', '.join(sorted(p.name for p in d.iterdir()))}")
    return rows

def smoke(log=print):
    "All three stages on a small model on this machine's CPU: what a GPU call would run, in about a minute."
    from sae_nb.synthbench import synthsaebench16k_config, load_or_build
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cfg = synthsaebench16k_config(num_features=1024, hidden_dim=64, orthogonalization=None)
        model = load_or_build(tmp / "model", cfg, log=log)
        _pack(model, tmp / "pack", "public", True, 0, 256, 8, 256, dict(w_pair=0.7, tau=0.3), log)
        res = train(tmp / "pack", tmp / "out", budget=60, target=100_000, probe_steps=30, curve_every=25_000, device="cpu", log=log)
        assert len(list((tmp / "out").glob("*.safetensors"))) == 4 and res["curve"], res
        rows = score(tmp / "out", tmp / "model", tmp / "rec", heldout=4096, log=log, model=model)
        assert len(rows) == 2 and all(0 < r["mcc"] <= 1 for r in rows), rows
    log("smoke run passed")

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="stage", required=True)
    p = sub.add_parser("pack"); p.add_argument("--model", default="results/synthsaebench/model"); p.add_argument("--out", default=str(PACK))
    p.add_argument("--recipe", choices=("public", "plain"), default="public"); p.add_argument("--freq-sort", action="store_true")
    p.add_argument("--seed", type=int, default=0); p.add_argument("--width", type=int, default=4096); p.add_argument("--l0", type=int, default=25); p.add_argument("--batch", type=int, default=1024)
    t = sub.add_parser("train"); t.add_argument("--pack", default=str(PACK)); t.add_argument("--out", default=os.environ.get("OUT", "results/synthbench_gpu"))
    t.add_argument("--budget", type=float, default=420, help="seconds for the whole stage, probe and writes included (a device call may run 600 s; leave room for the start)")
    t.add_argument("--samples", default="200M", help="the target: the paper's 200M where it fits the budget")
    t.add_argument("--probe-steps", type=int, default=300); t.add_argument("--curve-every", default="25M"); t.add_argument("--device", default=None)
    s = sub.add_parser("score"); s.add_argument("--run", required=True); s.add_argument("--model", default="results/synthsaebench/model")
    s.add_argument("--dest", default="benchmarks/recorded/synthbench_16k_gpu"); s.add_argument("--heldout", type=int, default=65_536)
    sub.add_parser("smoke")
    a = ap.parse_args(argv)
    from sae_nb.cli import parse_count
    if a.stage == "pack": pack(Path(a.model), Path(a.out), a.recipe, a.freq_sort, a.seed, a.width, a.l0, a.batch)
    elif a.stage == "train": train(Path(a.pack), Path(a.out), a.budget, parse_count(a.samples), a.probe_steps, parse_count(a.curve_every, "--curve-every"), a.device)
    elif a.stage == "score": score(Path(a.run), Path(a.model), Path(a.dest), a.heldout)
    else: smoke()

if __name__ == "__main__":
    main()
