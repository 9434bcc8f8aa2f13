"""SynthSAEBench-16k at the field's budget (issue 24): `sae-nb synthbench` with the settings the short sweep chose, recorded.

Settings, read from the sweep's record (`benchmarks/synthsaebench_sweep.py`, `--sweep`): for Matryoshka and L1, the
learning rate and schedule of their best plain point by MCC, and the hinge weight and tau of their best hinge point;
BatchTopK and TopK take Matryoshka's, JumpReLU takes L1's. `--lr`/`--decay` override the sweep for one
`--first-seed` run (its folder names the rate): the sweep's 2M-sample choice for Matryoshka, lr 1e-3, flattened by
10M samples in its long run while the paper's 3e-4 kept climbing (nbs/07c, *The learning rate, checked at the budget*). Part 1 (`--archs`, default L1, Matryoshka, BatchTopK):
`--seeds` seeds each, plain and hinge as paired instances of one batched SAE (same init, same batches). Part 2
(`--one-seed`, default TopK, JumpReLU): one seed each, plain and hinge. Each part is one `sae-nb synthbench` folder
under `--work`; a killed run started again with the same command continues where it stopped (finished architectures
are skipped, the one in training resumes from its checkpoint). `--record` copies what the folders hold so far (the
finished architectures' rows, every learning curve, the settings) into `benchmarks/recorded/`, so a run that spans
sessions is recorded as far as it got; `--record-only` copies without training.

    .venv/bin/python benchmarks/synthbench_long.py                      # train (resumes), then record
    .venv/bin/python benchmarks/synthbench_long.py --record-only        # record how far it got
    .venv/bin/python benchmarks/synthbench_long.py --archs matryoshka --seeds 1 --first-seed 0   # one seed (folder matryoshka_seed0_20M)
    .venv/bin/python benchmarks/synthbench_long.py --archs matryoshka --seeds 1 --first-seed 0 --lr 3e-4   # the paper's lr (folder matryoshka_lr0.0003_seed0_20M)
    .venv/bin/python benchmarks/synthbench_long.py --archs matryoshka --seeds 1 --first-seed 0 --lr 3e-4 --ista 1   # one ISTA pass (folder matryoshka_lr0.0003_ista1_seed0_20M)
    .venv/bin/python benchmarks/synthbench_long.py --archs matryoshka --seeds 1 --first-seed 0 --lr 3e-4 --public-recipe   # the public records' recipe (folder matryoshka_lr0.0003_public_seed0_20M)
    .venv/bin/python benchmarks/synthbench_long.py --archs matryoshka --seeds 1 --first-seed 0 --lr 3e-4 --public-recipe --samples 10M   # what one session fits on 2 cores without bf16 (1.22 h; size it with benchmarks/recipe_cost.py)
    .venv/bin/python benchmarks/synthbench_long.py --archs matryoshka --seeds 2 --first-seed 1 --lr 3e-4 --public-recipe --samples 10M --hinge off   # two more plain seeds at the pair's cost (folder ..._public_plain_seed1-2_10M)
    .venv/bin/python benchmarks/synthbench_long.py --archs matryoshka --seeds 1 --first-seed 0 --lr 3e-4 --public-recipe --freq-sort --samples 10M   # + prefix groups by firing frequency (folder ..._public_freqsort_seed0_10M)
    .venv/bin/python benchmarks/synthbench_long.py --archs matryoshka --seeds 2 --first-seed 1 --lr 3e-4 --public-recipe --samples 10M --hinge on    # hinge twins of the plain seeds 1-2 (folder ..._public_hinge_seed1-2_10M)
    .venv/bin/python benchmarks/synthbench_long.py --archs batchtopk --seeds 1 --first-seed 0 --lr 3e-4 --tau 0.2   # the hinge at a lower tau (folder batchtopk_lr0.0003_tau0.2_seed0_20M)

A checkpoint lives under `--work` (results/, not in git): where a session's checkout does not keep results/ between
sessions, a run must finish within its session, so a study is split by `--first-seed` into runs that fit one.
"""
import argparse, json, shutil
from pathlib import Path

PUBLIC = dict(ista=1, k_start=80.0, lr_warmup=1000, decay=0.333, prefixes="32,128,512,1024,2048,4096", inner_weight=0.5, detach_inner=True)
# github.com/bigsnarfdude/researchRalph, domains/battlebotgym-sae-bench-v3/best/config.yaml, with its engine.py's decay over the last third of the steps
# (SAELens's, to lr_end; here to 0); its TERM loss is left out, and its frequency-sorted prefixes are a flag of their own (--freq-sort)

def chosen(sweep: Path, require: bool = True) -> dict:
    "Per swept architecture: lr and decay of the best plain point, w_pair and tau of the best hinge point (by MCC); with `require=False`, only the architectures whose sweep has both."
    rows = [json.loads(l) for l in sweep.read_text().splitlines()]
    out = {}
    for arch in ("matryoshka", "l1"):
        plain = [r for r in rows if r["arch"] == arch and not r["hinge"]]
        hinge = [r for r in rows if r["arch"] == arch and r["hinge"]]
        if not (plain and hinge):
            if require: raise SystemExit(f"the sweep {sweep} has no {'plain' if not plain else 'hinge'} {arch} point yet: run benchmarks/synthsaebench_sweep.py first")
            continue
        p, h = max(plain, key=lambda r: r["mcc"]), max(hinge, key=lambda r: r["mcc"])
        out[arch] = dict(lr=p["lr"], decay=p["decay"], w_pair=h["w_pair"], tau=h["tau"])
    for arch, like in (("batchtopk", "matryoshka"), ("topk", "matryoshka"), ("jumprelu", "l1")):
        if like in out: out[arch] = out[like]
    return out

def per_arch(settings: dict, archs: list, key: str) -> str: return ",".join(f"{a}={settings[a][key]:g}" for a in archs)

def record(work: Path, dest: Path):
    "Copy each part's small files (settings, finished rows, curves, combinations, tables, figure) to `dest`."
    for part in sorted(p for p in work.iterdir() if p.is_dir()) if work.exists() else []:
        d = dest / part.name; (d / "runs").mkdir(parents=True, exist_ok=True)
        for f in [*part.glob("*.csv"), *part.glob("*.png"), part / "run.json", *(part / "runs").glob("*")]:
            if f.is_file(): shutil.copy2(f, d / f.relative_to(part))
        print(f"recorded {part} -> {d}: {', '.join(sorted(p.name for p in (d / 'runs').iterdir()))}")

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", default="benchmarks/recorded/synthsaebench_sweep_2cpu.jsonl")
    ap.add_argument("--archs", default="l1,matryoshka,batchtopk"); ap.add_argument("--one-seed", default="topk,jumprelu")
    ap.add_argument("--samples", default="20M"); ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first-seed", type=int, default=None, help="train seeds FIRST..FIRST+SEEDS-1 of --archs only (part 1), in their own folder ARCHS_seedFIRST[-LAST]_SAMPLES: "
                    "a study split into runs that each fit a session; the notebook pools the folders' rows")
    ap.add_argument("--lr", type=float, default=None, help="override the sweep's learning rate for every architecture of this run; the folder name says so (ARCHS_lrLR_seedF_SAMPLES)")
    ap.add_argument("--decay", type=float, default=None, help="override the sweep's final-fraction decay (with --lr; 0 = constant)")
    ap.add_argument("--tau", type=float, default=None, help="override the hinge's tau for every architecture of this run, the per-pair weight kept (with --first-seed; folder: _tau0.2)")
    ap.add_argument("--ista", type=int, default=0, help="ISTA refinement passes of the k-sparse encoders (with --first-seed; the folder name says so: ARCHS_ista1_...)")
    ap.add_argument("--ista-step", type=float, default=0.25, help="the step size of each ISTA pass")
    ap.add_argument("--k-start", type=float, default=None, help="k falls from this to the L0 over --k-anneal of the run (folder: _kstart80)")
    ap.add_argument("--k-anneal", type=float, default=1.0)
    ap.add_argument("--lr-warmup", type=int, default=0, help="steps of a linear lr warm-up (folder: _warm1000)")
    ap.add_argument("--prefixes", default=None, help="Matryoshka's nested sizes (folder: _pre32-128-...)")
    ap.add_argument("--inner-weight", type=float, default=1.0, help="Matryoshka: the inner prefixes' weight (folder: _iw0.5)")
    ap.add_argument("--detach-inner", action="store_true", help="Matryoshka: detached inner losses (folder: _detach)")
    ap.add_argument("--freq-sort", action="store_true", help="Matryoshka: prefix groups cut by firing frequency (folder: _freqsort); the public records do it, --public-recipe leaves it out")
    ap.add_argument("--public-recipe", action="store_true", help="the public SynthSAEBench-16k records' recipe: --ista 1 --k-start 80 --lr-warmup 1000 --decay 0.333 "
                    "--prefixes 32,128,512,1024,2048,4096 --inner-weight 0.5 --detach-inner (each flag given too overrides it); folder: _public")
    ap.add_argument("--hinge", choices=("both", "off", "on"), default="both", help="both: plain and hinge twins per seed (paired); off: plain instances only, "
                    "at the pair's cost for twice the seeds (with --first-seed; folder: _plain); on: hinge instances only, the twins of plain ones "
                    "trained earlier with the same seeds and recipe (the same initialisation and batches; folder: _hinge)")
    ap.add_argument("--work", default="results/synthbench_16k")
    ap.add_argument("--record", default="benchmarks/recorded/synthbench_16k_2cpu")
    ap.add_argument("--record-only", action="store_true")
    a = ap.parse_args(argv)
    if a.public_recipe:
        for k, v in PUBLIC.items():
            if getattr(a, k) == ap.get_default(k): setattr(a, k, v)
    work = Path(a.work)
    if not a.record_only:
        from sae_nb.cli import synthbench_job
        from sae_nb.core import reuse_freed_memory
        reuse_freed_memory()   # 1.31x on this run's L1 step (benchmarks/recorded/long_run_profile_2cpu.txt)
        st = chosen(Path(a.sweep))
        tag = ""
        recipe = dict(ista_steps=a.ista, ista_step=a.ista_step, k_start=a.k_start, k_anneal=a.k_anneal, lr_warmup=a.lr_warmup, prefixes=a.prefixes, inner_weight=a.inner_weight, inner_detach=a.detach_inner, freq_sort=a.freq_sort)
        changed = a.ista or a.k_start is not None or a.lr_warmup or a.prefixes or a.inner_weight != 1.0 or a.detach_inner or a.freq_sort
        if (a.lr is not None or a.decay is not None or a.tau is not None or changed or a.hinge != "both") and a.first_seed is None: raise SystemExit("--lr/--decay/--tau, --hinge off and the recipe flags change the recipe of one run: give --first-seed too")
        if a.lr is not None or a.decay is not None:
            for s in st.values():
                if a.lr is not None: s["lr"] = a.lr
                if a.decay is not None: s["decay"] = a.decay
            tag = (f"_lr{a.lr:g}" if a.lr is not None else "") + (f"_decay{a.decay:g}" if a.decay is not None else "")
        if a.public_recipe and all(getattr(a, k) == v for k, v in PUBLIC.items()): tag = tag.replace("_decay0.333", "") + "_public"
        else:
            if a.ista: tag += f"_ista{a.ista}" + (f"x{a.ista_step:g}" if a.ista_step != 0.25 else "")
            if a.k_start is not None: tag += f"_kstart{a.k_start:g}" + (f"x{a.k_anneal:g}" if a.k_anneal != 1.0 else "")
            if a.lr_warmup: tag += f"_warm{a.lr_warmup}"
            if a.prefixes: tag += "_pre" + a.prefixes.replace(",", "-")
            if a.inner_weight != 1.0: tag += f"_iw{a.inner_weight:g}"
            if a.detach_inner: tag += "_detach"
        if a.freq_sort: tag += "_freqsort"
        if a.tau is not None:
            for s in st.values(): s["tau"] = a.tau
            tag += f"_tau{a.tau:g}"
        if a.hinge != "both": tag += {"off": "_plain", "on": "_hinge"}[a.hinge]
        print("settings:", json.dumps(st))
        f = a.first_seed
        parts = ((a.archs, a.seeds, 0, f"seeds{a.seeds}_{a.samples}"), (a.one_seed, 1, 0, f"seeds1_{a.samples}")) if f is None else \
                ((a.archs, a.seeds, f, f"{a.archs.replace(',', '+')}{tag}_seed{f}{f'-{f + a.seeds - 1}' if a.seeds > 1 else ''}_{a.samples}"),)
        for archs, seeds, first, name in parts:
            archs = [x for x in archs.split(",") if x]
            if not archs: continue
            synthbench_job(work / name, ",".join(archs), a.samples, seeds, a.hinge, lr=per_arch(st, archs, "lr"), decay=per_arch(st, archs, "decay"),
                           w_pair=per_arch(st, archs, "w_pair"), tau=per_arch(st, archs, "tau"), first_seed=first,
                           **recipe)
            record(work, Path(a.record))
    record(work, Path(a.record))

if __name__ == "__main__":
    main()
