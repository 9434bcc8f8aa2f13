"""Dead latents at 16,384 latents: TopK without and with AuxK, BatchTopK and Matryoshka (both with AuxK), same data.

Data: notebook 07's 16,384-feature model in d = 768 (`scaled_model(n_features=16384, d_in=768, n_roots=1024,
branching=4, depth=1, seed=0)`, Zipf firing, true L0 about 25). Sampling it costs ~15-30 ms per row on 2 CPU cores, so
`--rows` rows are generated once (cached at `--cache`) and every variant trains on the same rows, `--epochs` passes in
its own shuffled order. Notebook 07 trained for 8M samples on a GPU; on CPU the budget is `--rows` x `--epochs`, stated
in the output.
SAEs: width 16,384, k = round(true L0), batch `--batch`, Adam lr `--lr` decayed over the last 20%, data-based init
(`init_from_data`); AuxK with k_aux = d/2 = 384, weight 1/32, a latent dead after `--dead-tokens` samples without firing;
no resampling (AuxK is the remedy under test).
Reported per variant: the share of latents that never fire on 16,384 held-out rows (BatchTopK and Matryoshka at their
inference threshold, as deployed), FVU on those rows, L0, MMCS (mean over true features of the best |cos|), seconds.

    .venv/bin/python benchmarks/dead_latents.py        # ~25 min of data + ~10 min per variant on 2 CPU cores
    .venv/bin/python benchmarks/dead_latents.py --m 1024 --d 128 --rows 20000 --cache /tmp/dl_small.pt   # smoke
"""
from __future__ import annotations
import argparse, os, time
import torch

def main(argv=None):
    from sae_nb.core import make_generator
    from sae_nb.structured import scaled_model
    from sae_nb.experiments import true_l0
    from sae_nb.sae import SAE, arch_config
    from sae_nb.train import TrainConfig, train_sae
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--m", type=int, default=16384); ap.add_argument("--d", type=int, default=768)
    ap.add_argument("--rows", type=int, default=400_000); ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=4096); ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--dead-tokens", type=int, default=200_000)
    ap.add_argument("--variants", default="topk,topk+aux,batchtopk+aux,matryoshka+aux")
    ap.add_argument("--cache", default="/tmp/sae_nb_dead_latents_rows.pt")
    a = ap.parse_args(argv)
    src = scaled_model(n_features=a.m, d_in=a.d, n_roots=a.m // 16, branching=4, depth=1, seed=0)
    k = max(1, round(true_l0(src)))
    t0 = time.time()
    if os.path.exists(a.cache) and torch.load(a.cache)["rows"].shape == (a.rows, a.d): X = torch.load(a.cache)["rows"]
    else:
        g = make_generator(0)
        X = torch.cat([src.sample(min(8192, a.rows - s), g)[0][0] for s in range(0, a.rows, 8192)])
        torch.save(dict(rows=X), a.cache)
    held = src.sample(16384, make_generator(1))[0][0]
    print(f"{a.m} features in d = {a.d}, true L0 {true_l0(src):.2f}, k = {k}; {a.rows:,} rows x {a.epochs} epochs = {a.rows * a.epochs:,} samples, "
          f"batch {a.batch}, lr {a.lr}, dead after {a.dead_tokens:,} samples; rows ready in {time.time() - t0:.0f}s; {torch.get_num_threads()} threads, torch {torch.__version__}", flush=True)
    steps = a.rows * a.epochs // a.batch
    F = src.F[0]
    for name in a.variants.split(","):
        arch, aux = name.split("+")[0], name.endswith("+aux")
        sae = SAE(arch_config(arch, a.d, a.m, k, aux=aux), device="cpu")
        order = [torch.randperm(a.rows, generator=make_generator(100 + e)) for e in range(a.epochs)]
        pos = [0]
        def data(b):
            i = pos[0]; pos[0] += b
            e, j = divmod(i, a.rows)
            return X[order[e % a.epochs][j:j + b]]
        t = time.time()
        train_sae(sae, data, TrainConfig(n_steps=steps, batch_size=a.batch, lr=a.lr, init_from_data=True, dead_tokens=a.dead_tokens, progress=False, log_every=max(1, steps // 10)))
        with torch.no_grad():
            f, x_hat = sae(held)
            dead = float(((f[0] > 0).sum(0) == 0).float().mean())
            fvu = float((x_hat[0] - held).pow(2).sum(-1).mean() / (held - held.mean(0)).pow(2).sum(-1).mean())
            l0 = float((f[0] > 0).sum(-1).float().mean())
            D = sae.dec_dirs()[0]
            mmcs = float(torch.cat([(F[s:s + 2048] @ D.T).abs().amax(1) for s in range(0, len(F), 2048)]).mean())
        print(f"{name:16s} dead {dead:6.1%}  FVU {fvu:.3f}  L0 {l0:5.1f}  MMCS {mmcs:.3f}  {time.time() - t:5.0f}s", flush=True)

if __name__ == "__main__":
    main()
