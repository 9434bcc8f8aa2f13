"""SAE training throughput, sae_nb vs SAELens, on the same activations and the same SAE size, in one run; plus the
activation-extraction rate of sae_nb (SAELens extracts through TransformerLens, which would download weights).

Both trainers get the same pre-scaled batches from one activation store (SmolLM2 block 12 by default, made by
`extract_activations` or `benchmarks/llm_compare.py`): sae_nb's `train_sae` (ReLU + L1, unit-norm decoder, Adam,
no resampling, no L1 controller) and SAELens's `SAETrainer` with a `StandardTrainingSAE` (ReLU + L1, Adam, gradient
clipping, its dead-latent bookkeeping). Same width, batch, steps, dtype (fp32) and threads. Prints tokens/s and the ratio.

Needs SAELens importable next to sae_nb, torch pinned (SAELens is not a dependency of sae_nb):
    python3 -m venv /tmp/slvenv && /tmp/slvenv/bin/pip install -q -c <(echo torch==2.13.0) torch==2.13.0 sae-lens transformers gguf accelerate gensim safetensors pytest
    PYTHONPATH=. /tmp/slvenv/bin/python benchmarks/throughput_vs_saelens.py --store results/stores/smollm2_L12
"""
import argparse, sys, time
import torch

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default="results/stores/smollm2_L12")
    ap.add_argument("--widths", type=int, nargs="+", default=[2048, 8192])
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--extract-tokens", type=int, default=8192, help="also time extraction of this many tokens (0: skip)")
    a = ap.parse_args(argv)
    from sae_nb.activations import ActivationStore, StoreSampler, extract_activations, load_model
    from sae_nb.sae import SAE, SAEConfig, TrainConfig, train_sae
    import sae_lens
    from sae_lens import StandardTrainingSAE, StandardTrainingSAEConfig
    from sae_lens.config import SAETrainerConfig
    from sae_lens.training.sae_trainer import SAETrainer
    store = ActivationStore(a.store, verify=False)
    print(f"# {store}; torch {torch.__version__}, {torch.get_num_threads()} threads; sae_lens {sae_lens.__version__}; batch {a.batch}, {a.steps} steps (+3 warm-up)", flush=True)
    rows = []
    for m in a.widths:
        smp = StoreSampler(store, a.batch, seed=0)
        batches = [smp() for _ in range(a.steps + 3)]
        def ours():
            sae = SAE(SAEConfig(store.d, m, l1_coeff=1.0), device="cpu")
            it = iter(batches)
            train_sae(sae, lambda b: next(it), TrainConfig(n_steps=3, batch_size=a.batch, progress=False, l1_warmup_frac=0))  # warm-up
            it = iter(batches[3:]); t = time.perf_counter()
            train_sae(sae, lambda b: next(it), TrainConfig(n_steps=a.steps, batch_size=a.batch, progress=False, l1_warmup_frac=0))
            return a.steps * a.batch / (time.perf_counter() - t)
        def theirs():
            sae = StandardTrainingSAE(StandardTrainingSAEConfig(d_in=store.d, d_sae=m, l1_coefficient=1.0, device="cpu"))
            def run(bs):
                tr = SAETrainer(SAETrainerConfig(total_training_samples=len(bs) * a.batch, train_batch_size_samples=a.batch, device="cpu", lr=3e-4, lr_end=3e-4),
                                sae, iter(bs))
                import io, contextlib
                with contextlib.redirect_stderr(io.StringIO()): tr.fit()
            run(batches[:3]); t = time.perf_counter(); run(batches[3:])
            return a.steps * a.batch / (time.perf_counter() - t)
        r_ours, r_theirs = ours(), theirs()
        rows.append((m, r_ours, r_theirs))
        print(f"width {m}: sae_nb {r_ours:,.0f} tokens/s, SAELens {r_theirs:,.0f} tokens/s, ratio {r_ours / r_theirs:.2f}x", flush=True)
    if a.extract_tokens:
        import tempfile, shutil
        lm = load_model(store.spec.model, "cpu")
        d = tempfile.mkdtemp()
        t = time.perf_counter()
        s = extract_activations(d, lm, layer=store.spec.layer, n_tokens=a.extract_tokens, ctx_len=store.spec.ctx_len, progress=False)
        print(f"extraction ({lm.name}, block {store.spec.layer} of {lm.n_layers}, ctx {store.spec.ctx_len}): {len(s) / (time.perf_counter() - t):,.0f} tokens/s "
              f"(text loading and tokenising included)", flush=True)
        shutil.rmtree(d)
    print("\nwidth  sae_nb tok/s  SAELens tok/s  ratio")
    for m, o, t in rows: print(f"{m:5d}  {o:12,.0f}  {t:13,.0f}  {o / t:5.2f}x")
    print("reproduce: PYTHONPATH=. /tmp/slvenv/bin/python benchmarks/throughput_vs_saelens.py " + " ".join(sys.argv[1:]))

if __name__ == "__main__": main()
