"""SAELens's own trainer on SynthSAEBench-16k at the long runs' budget: `SyntheticSAERunner`, fed by sae_nb's sampler, side by side with `sae-nb synthbench`.

SAELens's runner draws its rows with SAELens's sampler (about 1,800 rows/s on 2 cores: 20M samples would take three
hours of sampling alone), so its activation generator is replaced by `SynthSampler(model, seed=0)`, the stream sae_nb's
long runs train on (notebook 07b shows the two samplers draw the same distribution), and by default (`--feed rows`) the
sampler's own sparse feature map replaces SAELens's dense one too (`--feed features` keeps SAELens's); its trainer, SAE
classes, loss, initialisation and dead-latent handling are SAELens's own. Two recipes: `--window default` (SAELens's
`dead_feature_window` 1,000 and `feature_sampling_window` 2,000 steps, as the paper ran at 200M samples) and
`--window scaled` (both scaled by samples / 200M, so a dead latent is declared after the same share of training).
Matryoshka BatchTopK takes the prefixes sae_nb's Matryoshka uses (width/32, /8, /2, width). Scored as the long runs
are, on the same 65,536 held-out rows: SAELens's `eval_sae_on_synthetic_data` and the per-feature diagnosis. One JSON
line per run in `--out`; a run already there is skipped.

Resumable: SAELens's runner does not resume, so the script runs what `SyntheticSAERunner.run` runs with its options
here (SAELens's `SyntheticActivationIterator` and `SAETrainer`; no wandb, no runner evaluation, no output folder) and
uses the trainer's own checkpoints: every `--every` samples `SAETrainer.save_checkpoint` writes the SAE, the optimiser,
the lr schedule and the dead-latent counters into `--work`/RUN/N, then this script adds the sampler's position and the
training time so far and points `latest` at that folder (an atomic write, so a kill mid-checkpoint leaves the previous
one in use). The same command resumes from `latest`; the final SAE is kept in `--work`/RUN/sae (SAELens's format).

    .venv/bin/python benchmarks/synthsaebench_saelens_budget.py --arch matryoshka --samples 20M --window default
    .venv/bin/python benchmarks/synthsaebench_saelens_budget.py --features 1024 --hidden 64 --width 128 --l0 8 --samples 200k --heldout 8192 --out /tmp/sl.jsonl --model-dir /tmp/slm --work /tmp/slw --every 50k   # smoke
"""
import argparse, contextlib, io, json, shutil, sys, tempfile, time
from pathlib import Path
import torch

class SamplerFeed:
    "Stands in for a SyntheticModel's ActivationGenerator: each call draws `batch_size` rows' true feature activations (sparse) from a SynthSampler."
    def __init__(self, sampler): self.s = sampler
    def sample(self, batch_size: int): return self.s.sample_features(batch_size).rows(0, batch_size)
    __call__ = sample

class RowsFeed:
    "Stands in for a SyntheticModel's activation generator and feature dictionary together (`--feed rows`): `generate` draws `batch_size` rows from a SynthSampler through its sparse feature map (the rows the model's dense map gives, to float rounding: `tests/test_sampler.py`) and the dictionary passes them through, so SAELens's trainer is not held back by a dense (batch x 16,384) @ (16,384 x d) product per batch."
    def __init__(self, sampler, feature_vectors): self.s, self.feature_vectors = sampler, feature_vectors
    def generate(self, batch_size: int): return self.s.sample_with_features(batch_size)[0]
    def __call__(self, rows): return rows

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="matryoshka", choices=["matryoshka", "batchtopk"]); ap.add_argument("--window", default="default", choices=["default", "scaled"])
    ap.add_argument("--samples", default="20M"); ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--width", type=int, default=4096); ap.add_argument("--l0", type=int, default=25); ap.add_argument("--lr", type=float, default=3e-4); ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--heldout", type=int, default=65_536); ap.add_argument("--features", type=int, default=16_384); ap.add_argument("--hidden", type=int, default=768)
    ap.add_argument("--model-dir", default=None)
    ap.add_argument("--work", default="results/saelens_budget", help="checkpoints and the final SAE, one folder per run")
    ap.add_argument("--every", default="2M", help="samples between checkpoints")
    ap.add_argument("--feed", default="rows", choices=["rows", "features"], help="rows: the sampler's rows straight to the trainer; features: true feature "
                    "activations through SAELens's own (dense) feature dictionary, as SyntheticSAERunner feeds them")
    ap.add_argument("--out", default="benchmarks/recorded/synthsaebench_saelens_budget_2cpu.jsonl")
    a = ap.parse_args(argv)
    from sae_lens import BatchTopKTrainingSAEConfig, MatryoshkaBatchTopKTrainingSAEConfig, LoggingConfig
    from sae_lens.synthetic import SyntheticSAERunner, SyntheticSAERunnerConfig
    from sae_lens.synthetic.training import SyntheticActivationIterator
    from sae_lens.training.sae_trainer import SAETrainer
    from types import SimpleNamespace
    from sae_nb.cli import parse_count, synth_model_config
    from sae_nb.core import cpu_name, atomic_write, save_checkpoint, load_checkpoint
    from sae_nb.interop import load_saelens
    from sae_nb.sae import matryoshka_prefixes
    from sae_nb.synthbench import load_or_build, saelens_scores, feature_diagnosis, diag_summary
    from sae_nb.sampler import SynthSampler, SampledSource
    samples = parse_count(a.samples); steps = samples // a.batch
    name = f"saelens_{a.arch}_{a.window}_w{a.width}_l0{a.l0}_n{steps * a.batch}_lr{a.lr:g}_seed{a.seed}"
    if Path(a.out).exists() and any(json.loads(l).get("run") == name for l in Path(a.out).read_text().splitlines()):
        print(f"# {name} is already in {a.out}"); return
    model_dir = a.model_dir or ("results/synthsaebench/model" if (a.features, a.hidden) == (16_384, 768) else None)
    if model_dir is None: raise SystemExit("--model-dir is needed for a model of another size")
    model = load_or_build(model_dir, synth_model_config(a.features, a.hidden))
    probe = SynthSampler(model, seed=0); scale = probe.mean_norm_scale()
    held = SampledSource(SynthSampler(model, seed=1_000_003), a.heldout, scale=scale)   # the long runs' held-out rows
    m = a.width
    sae_cfg = (BatchTopKTrainingSAEConfig(d_in=model.cfg.hidden_dim, d_sae=m, k=a.l0) if a.arch == "batchtopk" else
               MatryoshkaBatchTopKTrainingSAEConfig(d_in=model.cfg.hidden_dim, d_sae=m, k=a.l0, matryoshka_widths=matryoshka_prefixes(m)))
    f = samples / 200e6 if a.window == "scaled" else 1.0
    windows = dict(dead_feature_window=max(1, round(1000 * f)), feature_sampling_window=max(1, round(2000 * f)))
    work = Path(a.work, name); work.mkdir(parents=True, exist_ok=True)
    every = parse_count(a.every)
    rc = SyntheticSAERunnerConfig(synthetic_model=str(model_dir), sae=sae_cfg, training_samples=steps * a.batch, batch_size=a.batch, lr=a.lr, device="cpu",
                                  output_path=None, checkpoint_path=str(work), n_checkpoints=max(0, -(-steps * a.batch // every) - 1),
                                  eval_samples=0, run_final_eval=False, logger=LoggingConfig(log_to_wandb=False), **windows)
    settings = json.dumps(dict(run=name, model_dir=str(Path(model_dir).resolve()), every=every, feed=a.feed, **windows), sort_keys=True)
    if (work / "settings.json").exists() and (work / "settings.json").read_text() != settings:
        raise SystemExit(f"{work} holds a run with other settings ({(work / 'settings.json').read_text()}); give another --work or remove it")
    atomic_write(work / "settings.json", settings.encode())
    torch.manual_seed(1000 + a.seed)
    smp = SynthSampler(model, seed=0)
    if a.feed == "rows": rf = RowsFeed(smp, model.feature_dict.feature_vectors); feed = SimpleNamespace(cfg=model.cfg, feature_dict=rf, activation_generator=rf.generate)
    else: feed = SimpleNamespace(cfg=model.cfg, feature_dict=model.feature_dict, activation_generator=SamplerFeed(smp))
    runner = SyntheticSAERunner(rc, override_synthetic_model=feed)   # builds SAELens's training SAE, as run() would
    t, spent = time.perf_counter(), 0.0
    def checkpointed(checkpoint_path):   # SAETrainer.save_checkpoint calls this once the SAE and trainer state are in checkpoint_path
        save_checkpoint(checkpoint_path / "sae_nb_state.pt", dict(sampler=smp.state_dict(), seconds=spent + time.perf_counter() - t))
        atomic_write(work / "latest", checkpoint_path.name.encode())
        for old in work.iterdir():
            if old.is_dir() and old.name not in (checkpoint_path.name, "sae"): shutil.rmtree(old)
        print(f"# checkpoint at {int(checkpoint_path.name):,} samples in {checkpoint_path}", flush=True)
    trainer = SAETrainer(cfg=rc.to_sae_trainer_config(), sae=runner.sae, evaluator=None, save_checkpoint_fn=checkpointed,
                         data_provider=SyntheticActivationIterator(feature_dict=feed.feature_dict, activations_generator=feed.activation_generator,
                                                                   batch_size=a.batch, autocast=rc.autocast_data))
    if (work / "latest").exists():
        ck = work / (work / "latest").read_text()
        runner.sae.load_weights_from_checkpoint(ck); trainer.load_trainer_state(ck)
        trainer.n_training_steps += 1   # SAETrainer saves before it counts the step it has just taken
        trainer.checkpoint_thresholds = [x for x in trainer.checkpoint_thresholds if x >= trainer.n_training_samples]
        st = load_checkpoint(ck / "sae_nb_state.pt"); smp.load_state_dict(st["sampler"]); spent = st["seconds"]
        print(f"# resumed {name} at {trainer.n_training_samples:,} of {steps * a.batch:,} samples from {ck}", flush=True)
    t = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):
        sae = trainer.fit()
    secs = spent + time.perf_counter() - t
    r = saelens_scores(sae, model, held.features, held.rows)
    sae.save_inference_model(work / "sae")
    with tempfile.TemporaryDirectory() as tmp:
        sae.save_inference_model(tmp)
        ours, _ = load_saelens(tmp)
    held.scale = 1.0   # SAELens's SAE reads raw rows
    r.update(diag_summary(feature_diagnosis(ours, held)))
    row = dict(run=name, trainer="SAELens", arch=a.arch, window=a.window, feed=a.feed, **windows, seed=a.seed, samples=steps * a.batch, width=m, l0_target=a.l0, lr=a.lr, batch=a.batch,
               train_seconds=round(secs, 1), samples_per_s=round(steps * a.batch / secs), heldout=a.heldout, cpu=cpu_name(), threads=torch.get_num_threads(), torch=torch.__version__, **r)
    print(json.dumps({k: v for k, v in row.items() if not k.startswith("decile")}), flush=True)
    with open(a.out, "a") as out: out.write(json.dumps(row) + "\n")
    print(f"# done; reproduce: .venv/bin/python benchmarks/synthsaebench_saelens_budget.py {' '.join(sys.argv[1:] if argv is None else argv)}", flush=True)

if __name__ == "__main__":
    main()
