"""SAE training throughput on real activations: tokens/s and achieved matmul FLOP/s as a fraction of this machine's
measured matmul peak (same run), for fp32 / bf16 autocast / torch.compile, on CPU or GPU.

A ReLU+L1 SAE step does four (batch x d x m) matmuls forward and backward (encoder and decoder, each forward plus two
for the backward): 12 * batch * d * m FLOPs per instance. The peak is the best of a few large square matmuls in the same
dtype, timed right before.

    .venv/bin/python benchmarks/train_throughput.py --store results/stores/smollm2_L12_small            # CPU
    python benchmarks/train_throughput.py --store results/stores/smollm2_L12_small --device cuda --widths 16384 65536
"""
import argparse, sys, time
import torch

def peak_flops(device, dtype, n=4096, reps=5):
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    sync = (lambda: torch.cuda.synchronize()) if device.type == "cuda" else (lambda: None)
    a @ b; sync(); best = 0.0
    for _ in range(reps):
        t = time.perf_counter(); a @ b; sync(); best = max(best, 2 * n ** 3 / (time.perf_counter() - t))
    return best

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default="results/stores/smollm2_L12_small")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--widths", type=int, nargs="+", default=[2048, 16384])
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--modes", nargs="+", default=None, help="fp32 amp compile amp+compile (default: fp32 on CPU, all four on CUDA)")
    a = ap.parse_args(argv)
    from sae_nb.activations import ActivationStore, StoreSampler
    from sae_nb.sae import SAE, SAEConfig
    from sae_nb.train import TrainConfig, train_sae
    from sae_nb.llm import evaluate_sae
    dev = torch.device(a.device); cuda = dev.type == "cuda"
    modes = a.modes or (["fp32", "amp", "compile", "amp+compile"] if cuda else ["fp32"])
    store = ActivationStore(a.store, verify=False)
    where = torch.cuda.get_device_name(dev) if cuda else f"CPU, {torch.get_num_threads()} threads"
    peaks = {"fp32": peak_flops(dev, torch.float32, 8192 if cuda else 2048), "bf16": peak_flops(dev, torch.bfloat16, 8192 if cuda else 2048)}
    print(f"# {where}, torch {torch.__version__}; {store}; batch {a.batch}, {a.steps} timed steps; measured matmul peak: "
          f"fp32 {peaks['fp32'] / 1e12:.2f} TFLOP/s, bf16 {peaks['bf16'] / 1e12:.2f} TFLOP/s", flush=True)
    smp = StoreSampler(store, a.batch, seed=0, shards=range(len(store.shards) - 1), device=dev)
    batches = [smp() for _ in range(min(a.steps + 5, smp.epoch_batches(0)))]
    rows = []
    for m in a.widths:
        for mode in modes:
            amp, comp = "amp" in mode, "compile" in mode
            sae = SAE(SAEConfig(store.d, m, l1_coeff=1.0), device=dev)
            it = [0]
            def data(b): x = batches[it[0] % len(batches)]; it[0] += 1; return x
            cfg = lambda n: TrainConfig(n_steps=n, batch_size=a.batch, progress=False, l1_warmup_frac=0, lr_decay_frac=0, amp=amp, compile=comp, log_every=10 ** 9)
            train_sae(sae, data, cfg(3))  # warm-up (and compilation)
            if cuda: torch.cuda.synchronize()
            t = time.perf_counter(); train_sae(sae, data, cfg(a.steps))
            if cuda: torch.cuda.synchronize()
            secs = (time.perf_counter() - t) / a.steps
            flops = 12 * a.batch * store.d * m / secs
            peak = peaks["bf16" if amp else "fp32"]
            fvu = float(evaluate_sae(sae, store, smp.scale, n_rows=4096).fvu[0])
            rows.append((m, mode, a.batch / secs, flops, flops / peak, fvu))
            print(f"width {m:6d} {mode:12s}: {a.batch / secs:10,.0f} tokens/s, {flops / 1e12:7.3f} TFLOP/s = {flops / peak:5.1%} of the {'bf16' if amp else 'fp32'} peak; "
                  f"FVU after {a.steps + 3} steps {fvu:.3f}", flush=True)
            del sae
            if cuda: torch.cuda.empty_cache()
    print("\nwidth  mode          tokens/s    TFLOP/s  of peak")
    for m, mode, tps, fl, fr, _ in rows: print(f"{m:6d} {mode:12s} {tps:10,.0f} {fl / 1e12:9.3f} {fr:8.1%}")
    print("reproduce: python benchmarks/train_throughput.py " + " ".join(sys.argv[1:]))

if __name__ == "__main__": main()
