"""SynthSAEBench-16k on CPU: every architecture with and without the hinge, scored by SAELens's metrics and by sae_nb's per-feature diagnosis, next to SAELens's own `SyntheticSAERunner`.

Data: SynthSAEBench-16k (v2 recipe, built locally with `sae_lens.synthetic`, `benchmarks/synthsaebench_model.py` or
`sae_nb.synthbench.load_or_build`; nothing downloads). `--rows` training rows plus one held-out shard are generated
once into an sae_nb store with their true feature activations; every SAE, ours and SAELens's, trains on those rows
(one pass, batch `--batch`) and is scored on the held-out shard.
SAEs: width `--width` at L0 `--l0` (k for TopK/BatchTopK/Matryoshka, the controller's target for L1 and JumpReLU),
`--seeds` seeds as instances of one batched SAE, Adam at `--lr`, data-based init, AuxK for the k-sparse ones, Matryoshka
prefixes width/32, /8, /2, width. Rows scaled to mean norm sqrt(d) for training (SAELens scores the SAE with the
scale folded back in).
Hinge: max(0, |cos| - 0.3)^2 on neighbour lists (k = 16, refreshed every 25 steps), per-pair weight notebook 06's
(300 / (256 * 255)) times the ratio of this data's variance to notebook 06's hierarchy's, as in synth_recovery.py.
SAELens side by side (`--saelens`): `SyntheticSAERunner` with its own trainer and SAE classes (BatchTopK, Matryoshka
BatchTopK with the same prefixes), its data generator replaced by a replay of the same stored rows, same lr, batch
and sample count.
Scores per SAE: SAELens's `eval_sae_on_synthetic_data` on the held-out rows (MCC, F1, precision, recall, uniqueness,
EV, L0, dead share, shrinkage), and `feature_diagnosis`: each true feature recovered (a live latent with |cos| >= 0.9)
/ absorbed / only in combination / missing, overall and per firing-rate decile. One JSON line per SAE in `--out`;
a re-run skips what is there (and training resumes from its checkpoints).

    .venv/bin/python benchmarks/synthsaebench.py                                 # the recorded run
    .venv/bin/python benchmarks/synthsaebench.py --archs batchtopk,matryoshka --l0 15 --no-saelens   # one point of the L0 sweep
    .venv/bin/python benchmarks/synthsaebench.py --features 1024 --d 64 --width 256 --rows 32768 --shard-rows 8192 --seeds 1 --work /tmp/ssb --out /tmp/ssb.jsonl   # smoke
"""
from __future__ import annotations
import argparse, contextlib, io, json, sys, time
from pathlib import Path
from types import SimpleNamespace
import numpy as np
import torch
from sae_nb.synthbench import diag_summary, variance_ratio   # used here and by synthsaebench_sampled.py

def done_keys(out):
    if not Path(out).exists(): return set()
    return {(r["variant"], r["l0_target"], r["seed"]) for r in map(json.loads, Path(out).read_text().splitlines()) if "variant" in r}

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", default="results/synthsaebench", help="model, store and checkpoints live here")
    ap.add_argument("--features", type=int, default=16_384, help="smaller for a smoke run (then a plain Zipf model, no hierarchy)")
    ap.add_argument("--d", type=int, default=768)
    ap.add_argument("--rows", type=int, default=400_000, help="training rows (rounded down to whole shards); one more shard is held out")
    ap.add_argument("--shard-rows", type=int, default=32_768)
    ap.add_argument("--width", type=int, default=4096); ap.add_argument("--l0", type=int, default=25)
    ap.add_argument("--seeds", type=int, default=3); ap.add_argument("--lr", type=float, default=1e-3); ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--archs", default="l1,topk,batchtopk,jumprelu,matryoshka")
    ap.add_argument("--no-hinge", action="store_true"); ap.add_argument("--hinge-only", action="store_true")
    ap.add_argument("--saelens", default="batchtopk,matryoshka", help="archs to train with SAELens's SyntheticSAERunner too")
    ap.add_argument("--no-saelens", action="store_true")
    ap.add_argument("--out", default="benchmarks/recorded/synthsaebench_2cpu.jsonl")
    a = ap.parse_args(argv)
    import sae_lens
    from sae_nb.synthbench import synthsaebench16k_config, load_or_build, generate_store, saelens_scores, StoredSource, feature_diagnosis
    from sae_nb.llm import train_store, split_shards
    from sae_nb.experiments import ARCH_NAMES
    from sae_nb.interop import load_saelens
    from sae_nb.sae import K_SPARSE, matryoshka_prefixes
    from sae_nb.neighbours import NeighbourPenalty
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    t_all = time.perf_counter()
    cfg = synthsaebench16k_config() if a.features == 16_384 and a.d == 768 else synthsaebench16k_config(num_features=a.features, hidden_dim=a.d, hierarchy=None, orthogonalization=None)
    model = load_or_build(work / ("model" if (a.features, a.d) == (16_384, 768) else f"model_{a.features}x{a.d}"), cfg)
    n_shards = a.rows // a.shard_rows
    t = time.perf_counter()
    store, feats = generate_store(model, work / f"store_{model.cfg.num_features}x{model.cfg.hidden_dim}_{n_shards}x{a.shard_rows}", (n_shards + 1) * a.shard_rows, a.shard_rows,
                                  log=lambda s: print(s, flush=True))
    gen_s = time.perf_counter() - t
    train_sh, held_sh = split_shards(store, 1)
    n_train = sum(store.shards[i]["rows"] for i in train_sh)
    held = (n_train, len(store))
    steps = n_train // a.batch
    from sae_nb.activations import StoreSampler
    scale = StoreSampler(store, a.batch, shards=train_sh).scale
    Xs = torch.from_numpy(np.array(store.acts(0)[:20_000], dtype=np.float32)) * scale
    var_ratio = variance_ratio(Xs)
    m = a.width
    w_pair = 300.0 / (256 * 255) * var_ratio
    src = StoredSource(model, store, feats, held, scale=scale)
    true_l0 = float((src.features.rows(*held).to_dense() > 0).sum(-1).float().mean())
    seeds = list(range(a.seeds))
    head = dict(features=model.cfg.num_features, d=model.cfg.hidden_dim, true_l0_heldout=round(true_l0, 2), train_rows=n_train, heldout_rows=held[1] - held[0],
                rows_made_s=round(gen_s), width=m, l0=a.l0, batch=a.batch, steps=steps, lr=a.lr, seeds=seeds, w_pair=w_pair, var_ratio=round(var_ratio, 1),
                scale=round(scale, 4), threads=torch.get_num_threads(), torch=torch.__version__, sae_lens=sae_lens.__version__)
    print("# " + json.dumps(head), flush=True)
    out = open(a.out, "a"); done = done_keys(a.out)
    if not done: out.write(json.dumps(dict(header=head)) + "\n"); out.flush()
    def emit(row):
        print(json.dumps({k: v for k, v in row.items() if not k.startswith("decile")}), flush=True)
        out.write(json.dumps(row) + "\n"); out.flush()
    ck_dir = work / "checkpoints"; ck_dir.mkdir(exist_ok=True)
    for arch in a.archs.split(","):
        for hinge in ([False] if a.no_hinge else [True] if a.hinge_only else [False, True]):
            ks = arch in K_SPARSE
            name = "sae_nb " + ARCH_NAMES[arch] + (" + AuxK" if ks else "") + (" + hinge" if hinge else "")
            if all((name, a.l0, s) in done for s in seeds): continue
            extra = NeighbourPenalty(w_pair * m * (m - 1), k=16, refresh_every=25, tau=0.3) if hinge else None
            t = time.perf_counter()
            ck = ck_dir / f"{name.replace(' ', '_').replace('+', '')}_w{m}_l0{a.l0}_n{n_train}_seeds{len(seeds)}_lr{a.lr:g}_b{a.batch}.ck"
            sae, smp, _ = train_store(store, m, seeds, arch, float(a.l0), n_steps=steps, batch_size=a.batch, lr=a.lr, extra_loss=extra, aux=ks,
                                      init_from_data=True, checkpoint=ck, checkpoint_every=max(1, steps // 4))
            secs = time.perf_counter() - t
            for i, s in enumerate(seeds):
                r = saelens_scores(sae, model, feats, held, inst=i, scale=smp.scale)
                r.update(diag_summary(feature_diagnosis(sae, src, inst=i)))
                emit(dict(variant=name, arch=arch, hinge=hinge, trainer="sae_nb", l0_target=a.l0, seed=s, train_seconds=round(secs, 1), **r))
    if not a.no_saelens:
        from sae_lens import BatchTopKTrainingSAEConfig, MatryoshkaBatchTopKTrainingSAEConfig, LoggingConfig
        from sae_lens.synthetic import SyntheticSAERunner, SyntheticSAERunnerConfig
        from sae_nb.synthbench import Replay
        import tempfile
        for arch in a.saelens.split(","):
            name = "SAELens " + ARCH_NAMES[arch] + " (SyntheticSAERunner)"
            for s in seeds:
                if (name, a.l0, s) in done: continue
                sae_cfg = (BatchTopKTrainingSAEConfig(d_in=model.cfg.hidden_dim, d_sae=m, k=a.l0) if arch == "batchtopk" else
                           MatryoshkaBatchTopKTrainingSAEConfig(d_in=model.cfg.hidden_dim, d_sae=m, k=a.l0, matryoshka_widths=matryoshka_prefixes(m)))
                rc = SyntheticSAERunnerConfig(synthetic_model=str(work / "model"), sae=sae_cfg, training_samples=steps * a.batch, batch_size=a.batch, lr=a.lr,
                                              device="cpu", output_path=None, checkpoint_path=None, eval_samples=0, run_final_eval=False,
                                              logger=LoggingConfig(log_to_wandb=False))
                torch.manual_seed(1000 + s)
                t = time.perf_counter()
                replay = SimpleNamespace(cfg=model.cfg, feature_dict=model.feature_dict, activation_generator=Replay(feats, 0, n_train))
                with contextlib.redirect_stderr(io.StringIO()):
                    res = SyntheticSAERunner(rc, override_synthetic_model=replay).run()
                secs = time.perf_counter() - t
                r = saelens_scores(res.sae, model, feats, held)
                with tempfile.TemporaryDirectory() as tmp:
                    res.sae.save_inference_model(tmp)
                    ours, _ = load_saelens(tmp)
                src.scale = 1.0
                r.update(diag_summary(feature_diagnosis(ours, src)))
                src.scale = scale
                emit(dict(variant=name, arch=arch, hinge=False, trainer="SAELens", l0_target=a.l0, seed=s, train_seconds=round(secs, 1), **r))
    cmd = ".venv/bin/python benchmarks/synthsaebench.py " + " ".join(sys.argv[1:] if argv is None else argv)
    out.write(json.dumps(dict(finished=dict(seconds=round(time.perf_counter() - t_all), command=cmd))) + "\n"); out.flush()
    print(f"# done in {time.perf_counter() - t_all:.0f}s; reproduce: {cmd}", flush=True)

if __name__ == "__main__":
    main()
