"""SAE training throughput: sae_nb vs SAELens vs sparsify, same synthetic activations, same SAE size, one run.

The activations come from one `sae_lens.synthetic.SyntheticModel` (SynthSAEBench-16k's recipe: Zipfian firing, a hierarchy
with mutually exclusive children, low-rank correlations, but random directions left unorthogonalised, which costs ~20
minutes here and does not change the cost of a step; `--features` true features in `--d` dimensions), generated
once before any timing, so every trainer gets the very same batches and data generation is never timed. `--store PATH`
uses real activations from an sae_nb store instead (e.g. SmolLM2 block 12, scaled to mean norm sqrt(d)).

Trainers, each with Adam at each `--precision` (fp32; bf16: sae_nb's `amp`, SAELens's `autocast`, sparsify's step under
torch.autocast), 3 warm-up steps, then `--steps` timed steps on the same batches:
- L1 (ReLU + L1): sae_nb `train_sae` (unit-norm decoder) | SAELens `SAETrainer` + `StandardTrainingSAE`
- TopK (k = `--k`): sae_nb `train_sae` with AuxK | SAELens `SAETrainer` + `TopKTrainingSAE` (with its aux loss)
  | sparsify `SparseCoder` stepped as sparsify's `Trainer` steps it (fused top-k encoder with a sparse backward,
  decoder renormalised and its parallel gradient removed; Adam, which sparsify offers as `optimizer="adam"`; sparsify's
  Trainer itself only trains on a model's hooked activations, so the loop is its inner step on our batches).
- BatchTopK, JumpReLU, Matryoshka (BatchTopK with prefixes m/32, m/8, m/2, m): sae_nb `train_sae` (the k-sparse
  ones with AuxK) | SAELens `SAETrainer` + `BatchTopKTrainingSAE` / `JumpReLUTrainingSAE` /
  `MatryoshkaBatchTopKTrainingSAE` (same prefixes).
sae_nb's ReLU+L1 and JumpReLU run sparse once their codes are; `--settle N` first trains them N untimed steps to L0 = k
(the state a long run spends its time in) and both the fresh and the settled SAE are timed. SAELens's L1 and JumpReLU
are dense matmuls at any sparsity. Prints tokens/s per trainer and precision, the ratio of sae_nb to each peer for the
same architecture and precision, the CPU (model, bf16 flags) and the bf16 and fp32 matmul rates measured in the same run.

SAELens and sparsify are not dependencies of sae_nb; they come with its `bench` extra (torch stays pinned):
    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python benchmarks/throughput_peers.py --archs l1 topk batchtopk jumprelu matryoshka
    .venv/bin/python benchmarks/throughput_peers.py --store results/stores/smollm2_L12 --widths 2048 16384
"""
import argparse, contextlib, io, sys, time
import torch

def synthetic_model(n_features, d, seed=0, min_prob=5e-4, compensate=True, orthogonalize=True):
    "A SynthSAEBench-16k-shaped generator (its firing, hierarchy, correlation, orthogonalisation and magnitude settings; true L0 34 at 16,384 x 768), at any size."
    from sae_lens.synthetic import (SyntheticModel, SyntheticModelConfig, ZipfianFiringProbabilityConfig, HierarchyConfig,
                                    LowRankCorrelationConfig, OrthogonalizationConfig, LinearMagnitudeConfig, FoldedNormalMagnitudeConfig)
    cfg = SyntheticModelConfig(
        num_features=n_features, hidden_dim=d, seed=seed,
        firing_probability=ZipfianFiringProbabilityConfig(exponent=0.5, max_prob=0.4, min_prob=min_prob),
        hierarchy=HierarchyConfig(total_root_nodes=max(2, n_features // 128), branching_factor=4, max_depth=3, mutually_exclusive_portion=1.0,
                                  compensate_probabilities=compensate),
        correlation=LowRankCorrelationConfig(rank=25, correlation_scale=0.1, seed=seed),
        orthogonalization=OrthogonalizationConfig(num_steps=100, lr=3e-4) if orthogonalize else None,
        mean_firing_magnitudes=LinearMagnitudeConfig(start=5.0, end=4.0), std_firing_magnitudes=FoldedNormalMagnitudeConfig(mean=0.5, std=0.5))
    return SyntheticModel(cfg)

def tokens_per_s(run, batches, warmup=3):
    "Run `run(batches)` on the warm-up batches, then time it on the rest."
    run(batches[:warmup]); t = time.perf_counter(); run(batches[warmup:])
    return (len(batches) - warmup) * len(batches[0]) / (time.perf_counter() - t)

def sae_nb_trainer(d, m, arch, k, lr, bf16=False, settle=0, batches=None):
    from sae_nb.sae import SAE, K_SPARSE, arch_config
    from sae_nb.train import TrainConfig, train_sae
    sae = SAE(arch_config(arch, d, m, k, aux=arch in K_SPARSE, l1_init=1.0), device="cpu")
    if settle:   # untimed: steer L1 / JumpReLU to L0 = k, as a long run would be
        it = iter(batches * (settle // len(batches) + 1))
        train_sae(sae, lambda b: next(it), TrainConfig(n_steps=settle, batch_size=len(batches[0]), lr=lr, progress=False, l1_warmup_frac=0, lr_decay_frac=0,
                                                      target_l0=float(k), l0_gain=0.1, init_from_data=True, amp=bf16))
    def run(bs):
        it = iter(bs)
        h = train_sae(sae, lambda b: next(it), TrainConfig(n_steps=len(bs), batch_size=len(bs[0]), lr=lr, progress=False, l1_warmup_frac=0, lr_decay_frac=0, amp=bf16, log_every=1))
        run.l0 = float(h.df().l0.mean())
    return run

def saelens_trainer(d, m, arch, k, lr, bf16=False, **_):
    import sae_lens as sl
    from sae_lens.config import SAETrainerConfig
    from sae_lens.training.sae_trainer import SAETrainer
    from sae_nb.sae import matryoshka_prefixes
    sae = {"l1": lambda: sl.StandardTrainingSAE(sl.StandardTrainingSAEConfig(d_in=d, d_sae=m, l1_coefficient=1.0, device="cpu")),
           "topk": lambda: sl.TopKTrainingSAE(sl.TopKTrainingSAEConfig(d_in=d, d_sae=m, k=k, device="cpu")),
           "batchtopk": lambda: sl.BatchTopKTrainingSAE(sl.BatchTopKTrainingSAEConfig(d_in=d, d_sae=m, k=k, device="cpu")),
           "jumprelu": lambda: sl.JumpReLUTrainingSAE(sl.JumpReLUTrainingSAEConfig(d_in=d, d_sae=m, device="cpu")),
           "matryoshka": lambda: sl.MatryoshkaBatchTopKTrainingSAE(sl.MatryoshkaBatchTopKTrainingSAEConfig(d_in=d, d_sae=m, k=k, matryoshka_widths=matryoshka_prefixes(m), device="cpu")),
          }[arch]()
    def run(bs):
        tr = SAETrainer(SAETrainerConfig(total_training_samples=len(bs) * len(bs[0]), train_batch_size_samples=len(bs[0]), device="cpu", lr=lr, lr_end=lr, autocast=bf16), sae, iter(bs))
        with contextlib.redirect_stderr(io.StringIO()): tr.fit()
    return run

def sparsify_trainer(d, m, arch, k, lr, bf16=False, **_):
    from sparsify import SparseCoder, SparseCoderConfig
    sae = SparseCoder(d, SparseCoderConfig(num_latents=m, k=k))
    opt = torch.optim.Adam(sae.parameters(), lr=lr)
    def run(bs):
        for x in bs:  # sparsify.Trainer's step for an autoencoding SAE with auxk_alpha = 0 and one micro-batch
            sae.set_decoder_norm_to_unit_norm()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                out = sae(x, total_variance=(x - x.mean(0)).pow(2).sum())
            out.fvu.float().backward()
            sae.remove_gradient_parallel_to_decoder_directions()
            opt.step(); opt.zero_grad()
    return run

TRAINERS = {"l1": {"sae_nb": sae_nb_trainer, "SAELens": saelens_trainer},
            "topk": {"sae_nb": sae_nb_trainer, "SAELens": saelens_trainer, "sparsify": sparsify_trainer},
            **{a: {"sae_nb": sae_nb_trainer, "SAELens": saelens_trainer} for a in ("batchtopk", "jumprelu", "matryoshka")}}

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--features", type=int, default=16384, help="true features of the synthetic model")
    ap.add_argument("--d", type=int, default=768, help="activation dimension")
    ap.add_argument("--widths", type=int, nargs="+", default=[4096, 16384])
    ap.add_argument("--archs", nargs="+", default=["l1", "topk"], choices=list(TRAINERS))
    ap.add_argument("--k", type=int, default=32)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--precision", default="fp32", help="comma-separated: fp32, bf16")
    ap.add_argument("--settle", type=int, default=0, help="untimed steps that bring sae_nb's L1 and JumpReLU to L0 = k before a second timing")
    ap.add_argument("--store", default=None, help="use real activations from this sae_nb ActivationStore (pre-scaled to mean norm sqrt(d)) instead of synthetic ones")
    a = ap.parse_args(argv)
    precisions = a.precision.split(",")
    import sae_lens, sparsify, importlib.metadata as md
    from sae_nb.core import bf16_units, check_bf16, cpu_name
    if "bf16" in precisions: check_bf16("cpu")
    torch.manual_seed(0)
    t = time.perf_counter()
    if a.store:
        from sae_nb.activations import ActivationStore, StoreSampler
        store = ActivationStore(a.store, verify=False)
        smp = StoreSampler(store, a.batch, seed=0)
        batches, a.d, source = [smp() for _ in range(a.steps + 3)], store.d, repr(store)
    else:
        model = synthetic_model(a.features, a.d, orthogonalize=False)  # sae_lens's orthogonalisation of 16k x 768 takes ~20 min on 2 cores; timing does not need it
        with torch.no_grad(): batches = [model.sample(a.batch).contiguous() for _ in range(a.steps + 3)]
        l0 = float((model.activation_generator.sample(8192) > 0).sum(-1).float().mean())
        source = f"sae_lens.synthetic.SyntheticModel, {a.features} features in d={a.d}, true L0 {l0:.1f}"
    print(f"# activations: {source}; {a.steps + 3} batches of {a.batch} made in {time.perf_counter() - t:.0f}s (not timed)\n"
          f"# torch {torch.__version__}, {torch.get_num_threads()} threads; sae_lens {sae_lens.__version__}, eai-sparsify {md.version('eai-sparsify')}; "
          f"precision {a.precision}, Adam lr {a.lr}, {a.steps} timed steps after 3 warm-up, batch {a.batch}", flush=True)
    cpu = cpu_name()
    peak = {}
    for dt in (torch.float32, torch.bfloat16):   # this CPU's matmul rate at the encoder's shape
        A, B_ = torch.randn(a.batch, a.d, dtype=dt), torch.randn(a.d, max(a.widths), dtype=dt)
        A @ B_; t = time.perf_counter()
        for _ in range(5): A @ B_
        peak[dt] = 5 * 2 * a.batch * a.d * max(a.widths) / (time.perf_counter() - t) / 1e12
    print(f"# CPU: {cpu}; bf16 units: {bf16_units('cpu') or 'none'}; matmul {a.batch}x{a.d}x{max(a.widths)}: fp32 {peak[torch.float32]:.3f} TFLOP/s, bf16 {peak[torch.bfloat16]:.3f} TFLOP/s "
          f"({peak[torch.bfloat16] / peak[torch.float32]:.1f}x)", flush=True)
    rows = []
    for m in a.widths:
        for arch in a.archs:
            for prec in precisions:
                for name, make in TRAINERS[arch].items():
                    for settled in ((False, True) if name == "sae_nb" and arch in ("l1", "jumprelu") and a.settle else (False,)):
                        torch.manual_seed(0)
                        run = make(a.d, m, arch, a.k, a.lr, bf16=prec == "bf16", settle=a.settle if settled else 0, batches=batches)
                        r = tokens_per_s(run, batches)
                        tag = name + (" settled" if settled else "")
                        l0 = f"  L0 {run.l0:.0f}" if hasattr(run, "l0") else ""
                        share = r * 2 * a.d * m / 1e12 / peak[torch.bfloat16]   # one encoder matmul per token, against the bf16 matmul rate
                        rows.append((m, arch, prec, tag, r))
                        print(f"width {m:6d} {arch:10s} {prec:4s} {tag:15s} {r:10,.0f} tokens/s{l0}  (encoder matmul at {share:.0%} of the bf16 peak)", flush=True)
    print("\nwidth  arch        prec  trainer           tokens/s   best sae_nb / this")
    ours = {}
    for m, arch, prec, tag, r in rows:
        if tag.startswith("sae_nb"): ours[m, arch, prec] = max(r, ours.get((m, arch, prec), 0))
    for m, arch, prec, tag, r in rows:
        print(f"{m:5d}  {arch:10s}  {prec:4s}  {tag:15s} {r:9,.0f}   {ours[m, arch, prec] / r:5.2f}x")
    print("reproduce: .venv/bin/python benchmarks/throughput_peers.py " + " ".join(sys.argv[1:]))

if __name__ == "__main__": main()
