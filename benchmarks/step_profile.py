"""Where one training step's time goes: torch's profiler over a few steps of each architecture, the operators sorted by
self time, for the `throughput_peers.py` shape (d = 768, 4,096 latents, batch 1,024, k = 32) and precision.

Data: 2,048 random unit directions, 32 per row with uniform weights (the cost of a step does not depend on the data's
structure, only on how sparse the codes are). L1 and JumpReLU are first steered to L0 = 32 (300 untimed steps), so their
sparse path is the one profiled; the k-sparse ones start from the data-based init.

    .venv/bin/python benchmarks/step_profile.py --archs topk l1 --precision bf16
"""
import argparse, time
import torch

def main(argv=None):
    from sae_nb.sae import SAE, K_SPARSE, arch_config
    from sae_nb.train import TrainConfig, Trainer
    from sae_nb.core import bf16_units, cpu_name
    from torch.profiler import profile, ProfilerActivity
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archs", nargs="+", default=["topk", "batchtopk", "matryoshka", "l1", "jumprelu"])
    ap.add_argument("--precision", default="bf16", choices=("fp32", "bf16"))
    ap.add_argument("--d", type=int, default=768); ap.add_argument("--width", type=int, default=4096)
    ap.add_argument("--batch", type=int, default=1024); ap.add_argument("--k", type=int, default=32)
    ap.add_argument("--steps", type=int, default=5); ap.add_argument("--rows", type=int, default=12)
    a = ap.parse_args(argv)
    cpu = cpu_name()
    print(f"# CPU {cpu}; bf16 units: {bf16_units('cpu') or 'none'}; torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"d {a.d}, width {a.width}, batch {a.batch}, k {a.k}, {a.precision}", flush=True)
    g = torch.Generator().manual_seed(0)
    F = torch.nn.functional.normalize(torch.randn(2048, a.d, generator=g), dim=-1)
    def make(b):
        idx = torch.randint(0, 2048, (b, 32), generator=g)
        return (F[idx] * torch.rand(b, 32, 1, generator=g)).sum(1) * 2
    pool = [make(a.batch) for _ in range(8)]   # made once: the data's cost is not the step's
    calls = [0]
    def batch(b):
        calls[0] += 1; return pool[calls[0] % len(pool)]
    for arch in a.archs:
        sae = SAE(arch_config(arch, a.d, a.width, a.k, aux=arch in K_SPARSE, l1_init=1.0), device="cpu")
        steered = arch in ("l1", "jumprelu")
        tr = Trainer(sae, batch, TrainConfig(n_steps=10**6, batch_size=a.batch, progress=False, l1_warmup_frac=0, lr_decay_frac=0, amp=a.precision == "bf16",
                                             target_l0=float(a.k) if steered else None, l0_gain=0.1, init_from_data=True))
        tr.run("before_fit")
        for tr.step in range(300 if steered else 3): tr.one_step()
        t = time.perf_counter()
        for tr.step in range(tr.step + 1, tr.step + 1 + a.steps): tr.one_step()
        ms = (time.perf_counter() - t) / a.steps * 1000
        with profile(activities=[ProfilerActivity.CPU]) as p:
            for tr.step in range(tr.step + 1, tr.step + 1 + a.steps): tr.one_step()
        print(f"\n## {arch}: {ms:.1f} ms per step ({a.batch / ms * 1000:,.0f} samples/s) without the profiler, L0 {float(tr.out['l0'].mean()):.1f}; "
              f"the profiler's own overhead inflates the times below", flush=True)
        print(p.key_averages().table(sort_by="self_cpu_time_total", row_limit=a.rows), flush=True)

if __name__ == "__main__": main()
