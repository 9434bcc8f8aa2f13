"""Memory and sustained load: peak memory of SAE training next to SAELens and sparsify, and a long run streamed from a
store on disk (memory flat, throughput steady, the sampler far ahead of training). Ratios are within this run.

Part 1, training peak. Each trainer x width runs in its own fresh process: the batches are loaded first (counted in
the baseline), then the kernel's peak-RSS counter is reset (/proc/self/clear_refs) and the SAE and optimiser are built
and trained (3 warm-up + `--steps` steps, fp32, Adam, the same batches as `throughput_peers.py`'s trainers). Reported:
peak RSS above the baseline (MiB), that over the floor of any Adam trainer (weights, gradients and two moments: 16 bytes
per parameter), and sae_nb's peak over each peer's for the same SAE. sae_nb runs twice: as is, and with glibc's malloc
told to keep freed memory (sae_nb*: environment MALLOC_MMAP_MAX_=0, MALLOC_TRIM_THRESHOLD_=2147483647), which trades
memory held for steps without page faults on fresh (batch, d_sae) tensors.

Part 2, sustained load. `write_store` writes `--shards` shards of `--shard-rows` x d float16 activations (drawn from a
sparse linear generator). Then, each in a fresh process:
- the sampler alone over two epochs (rows/s, and peak RSS above the opened store, against the shuffle buffer's size);
- training an L1 SAE from the sampler for `--train-epochs` epochs with a checkpoint every `--ckpt-every` steps:
  tokens/s per window of steps, the time spent waiting for data, RSS over the run (a leak shows as growth after the
  first epoch) and the cost of a checkpoint.

    .venv/bin/python benchmarks/memory_load.py                                   # sae_nb only
    .venv/bin/python benchmarks/memory_load.py                # with SAELens and sparsify (the bench extra)
"""
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # throughput_peers.TRAINERS
MiB = 2 ** 20

def rss() -> int:
    "Resident set size of this process, bytes."
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

def _status(key: str) -> int:
    "A `kB` line of /proc/self/status, in bytes."
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"): return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {key} in /proc/self/status")

def rss_anon() -> int:
    "Anonymous resident memory (what the process allocated, not file pages mapped from the store), bytes."
    return _status("RssAnon")

def reset_peak():
    "Reset the kernel's peak-RSS counter (VmHWM) to the current RSS (Linux >= 4.0)."
    with open("/proc/self/clear_refs", "w") as f: f.write("5")

def peak() -> int:
    "Peak RSS since the last `reset_peak`, bytes."
    return _status("VmHWM")

def sparse_linear(n, d, n_features=16384, l0=32, seed=0):
    "Rows = sparse non-negative combinations of random unit directions (about `l0` per row), float32, (n, d)."
    g = torch.Generator().manual_seed(seed)
    W = torch.nn.functional.normalize(torch.randn(n_features, d, generator=g), dim=-1)
    idx = torch.randint(0, n_features, (n, l0), generator=g)
    mag = torch.rand(n, l0, generator=g) * 2
    return torch.nn.functional.embedding_bag(idx, W, per_sample_weights=mag, mode="sum")

# ---------------------------------------------------------------- children (one measurement per fresh process)

def child_train(a):
    from throughput_peers import TRAINERS
    X = np.load(a.data)  # fully loaded: part of the baseline
    batches = [torch.from_numpy(X[i]) for i in range(len(X))]
    make = TRAINERS[a.arch][a.trainer]
    make(X.shape[-1], 64, a.arch, min(a.k, 16), 3e-4)([b[:64] for b in batches[:2]])  # imports, thread pools, kernels: not the SAE's memory
    torch.manual_seed(0)
    base = rss(); reset_peak()
    run = make(X.shape[-1], a.m, a.arch, a.k, 3e-4)
    run(batches[:3]); t = time.perf_counter(); run(batches[3:]); secs = time.perf_counter() - t
    return dict(peak=peak() - base, tokens_per_s=(len(batches) - 3) * len(batches[0]) / secs)

def open_sampler(a):
    "The store and its sampler, with every shard's memory map opened (and NaN-checked) before any baseline is taken."
    from sae_nb.activations import ActivationStore, StoreSampler
    store = ActivationStore(a.store, verify=False)
    for s in range(len(store.shards)): store.acts(s)
    return store, StoreSampler(store, a.batch, seed=0, buffer_shards=a.buffer_shards)

def child_sampler(a):
    store, smp = open_sampler(a)
    n = smp.epoch_batches(0) + smp.epoch_batches(1)
    base = rss(); reset_peak(); t = time.perf_counter(); h = 0.0
    for _ in range(n): h += float(smp()[0, 0])
    secs = time.perf_counter() - t
    return dict(peak=peak() - base, rows_per_s=n * a.batch / secs, buffer=a.buffer_shards * a.shard_rows * store.d * 4, checksum=h)

def child_long(a):
    from sae_nb.sae import SAE, SAEConfig
    from sae_nb.train import TrainConfig, train_sae
    store, smp = open_sampler(a)
    steps = a.train_epochs * smp.epoch_batches(0)
    train_sae(SAE(SAEConfig(store.d, 64, l1_coeff=1.0)), lambda b: torch.randn(b, store.d), TrainConfig(n_steps=2, batch_size=64, progress=False))  # warm-up
    sae = SAE(SAEConfig(store.d, a.long_width, l1_coeff=1.0), device="cpu")
    log, wait = [], [0.0]
    def data(b):
        t = time.perf_counter(); x = smp(); wait[0] += time.perf_counter() - t
        log.append((time.perf_counter(), rss_anon()))
        return x
    ck = Path(a.store).parent / "long.ckpt"
    base, base_anon = rss(), rss_anon(); reset_peak()
    save_times = []
    import sae_nb.train as S   # the Checkpointer's module
    orig = S.save_checkpoint
    def timed_save(*args, **kw):
        t = time.perf_counter(); r = orig(*args, **kw); save_times.append(time.perf_counter() - t); return r
    S.save_checkpoint = timed_save
    t0 = time.perf_counter()
    train_sae(sae, data, TrainConfig(n_steps=steps, batch_size=a.batch, lr=3e-4, progress=False, log_every=10 ** 9), checkpoint=ck, checkpoint_every=a.ckpt_every)
    total = time.perf_counter() - t0
    w = max(1, steps // 10)
    windows = [(i, i + w, w * a.batch / (log[i + w][0] - log[i][0])) for i in range(1, len(log) - w, w)]
    epoch1 = smp.epoch_batches(0)
    return dict(steps=steps, epoch_steps=epoch1, total_s=total, tokens_per_s=steps * a.batch / total, wait_s=wait[0],
                windows=windows, rss_after_epoch1=log[min(epoch1, len(log) - 1)][1] - base_anon, rss_end=log[-1][1] - base_anon,
                peak=peak() - base, ckpt_s=save_times, ckpt_mib=ck.stat().st_size / MiB)

REUSE = dict(MALLOC_MMAP_MAX_="0", MALLOC_TRIM_THRESHOLD_="2147483647")  # glibc: serve every allocation from the heap and keep freed memory

def spawn(mode, env=None, **kw):
    args = [sys.executable, __file__, "--child", mode] + [f"--{k.replace('_', '-')}={v}" for k, v in kw.items()]
    r = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if r.returncode: raise RuntimeError(f"child {mode} {kw} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])

# ---------------------------------------------------------------- parent

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=int, default=768)
    ap.add_argument("--widths", type=int, nargs="+", default=[4096, 16384])
    ap.add_argument("--k", type=int, default=32)
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--steps", type=int, default=3, help="measured steps after 3 warm-up (part 1)")
    ap.add_argument("--shards", type=int, default=24)
    ap.add_argument("--shard-rows", type=int, default=16384)
    ap.add_argument("--buffer-shards", type=int, default=4)
    ap.add_argument("--long-width", type=int, default=4096)
    ap.add_argument("--train-epochs", type=int, default=2)
    ap.add_argument("--ckpt-every", type=int, default=50)
    ap.add_argument("--parts", nargs="+", default=["peak", "load"], choices=["peak", "load"])
    # child-only
    ap.add_argument("--child", default=None); ap.add_argument("--data"); ap.add_argument("--store"); ap.add_argument("--trainer")
    ap.add_argument("--arch"); ap.add_argument("--m", type=int)
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps({"train": child_train, "sampler": child_sampler, "long": child_long}[a.child](a)), flush=True)
        return
    peers = []
    for mod in ("sae_lens", "sparsify"):
        try: __import__(mod); peers.append(mod)
        except ImportError: pass
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs; peers importable: {peers or 'none (sae_nb only)'}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if "peak" in a.parts:
            from throughput_peers import TRAINERS
            X = sparse_linear((a.steps + 3) * a.batch, a.d).reshape(a.steps + 3, a.batch, a.d)
            np.save(tmp / "batches.npy", X.numpy()); del X
            print(f"\n## Part 1: peak memory of training, above the loaded batches ({a.steps + 3} batches of {a.batch} x {a.d}, fp32, Adam)", flush=True)
            rows = []
            for m in a.widths:
                P = 2 * a.d * m + m + a.d
                for arch in ("l1", "topk"):
                    for name in TRAINERS[arch]:
                        if name == "SAELens" and "sae_lens" not in peers or name == "sparsify" and "sparsify" not in peers: continue
                        for env in ([None, REUSE] if name == "sae_nb" else [None]):
                            r = spawn("train", env=env, data=tmp / "batches.npy", trainer=name, arch=arch, m=m, k=a.k, d=a.d)
                            label = name + ("*" if env else "")
                            rows.append((m, arch, label, r["peak"], 16 * P, r["tokens_per_s"]))
                            print(f"width {m:6d} {arch:4s} {label:8s} peak {r['peak'] / MiB:8.0f} MiB = {r['peak'] / (16 * P):4.2f}x the Adam floor "
                                  f"({16 * P / MiB:.0f} MiB); {r['tokens_per_s']:,.0f} tokens/s", flush=True)
            ours = {(m, arch): (p, t) for m, arch, name, p, _, t in rows if name == "sae_nb"}  # (peak, tokens/s)
            print("\nwidth  arch  trainer   peak MiB  / Adam floor  sae_nb / this   tokens/s  / sae_nb's")
            for m, arch, name, p, fl, t in rows:
                print(f"{m:5d}  {arch:4s}  {name:8s} {p / MiB:8.0f}  {p / fl:12.2f}  {ours[m, arch][0] / p:12.2f}x  {t:9,.0f}  {t / ours[m, arch][1]:8.2f}")
            print("sae_nb*: the same run with glibc told to keep freed memory (" + " ".join(f"{k}={v}" for k, v in REUSE.items()) + "): "
                  "no page faults on the step's fresh (batch, d_sae) tensors, more memory held")
        if "load" in a.parts:
            from sae_nb.activations import write_store
            t = time.perf_counter()
            def shards():
                for s in range(a.shards):
                    A = sparse_linear(a.shard_rows, a.d, seed=100 + s)
                    yield A.reshape(a.shard_rows // 64, 64, a.d), torch.zeros(a.shard_rows // 64, 64, dtype=torch.int32)
            store = write_store(tmp / "store", shards(), model="sparse_linear", dtype="float16")
            disk = sum(f.stat().st_size for f in (tmp / "store").iterdir())
            print(f"\n## Part 2: sustained load\n{store}: {disk / MiB:.0f} MiB on disk, written in {time.perf_counter() - t:.0f}s by write_store; "
                  f"batch {a.batch}, shuffle buffer {a.buffer_shards} shards", flush=True)
            now = spawn("sampler", store=tmp / "store", batch=a.batch, buffer_shards=a.buffer_shards, shard_rows=a.shard_rows)
            print(f"sampler alone: {now['rows_per_s']:12,.0f} rows/s, peak {now['peak'] / MiB:5.0f} MiB = {now['peak'] / now['buffer']:4.2f}x "
                  f"the buffer ({now['buffer'] / MiB:.0f} MiB)", flush=True)
            r = spawn("long", store=tmp / "store", batch=a.batch, buffer_shards=a.buffer_shards, long_width=a.long_width,
                      train_epochs=a.train_epochs, ckpt_every=a.ckpt_every)
            print(f"\ntraining width {a.long_width} ReLU + L1 from the store: {r['steps']} steps ({a.train_epochs} epochs of {r['epoch_steps']}), "
                  f"{r['total_s']:.0f}s, {r['tokens_per_s']:,.0f} tokens/s overall; waiting for data {r['wait_s']:.1f}s "
                  f"({r['wait_s'] / r['total_s']:.1%}); the sampler alone serves {now['rows_per_s'] / r['tokens_per_s']:.0f}x the training rate")
            tps = [w[2] for w in r["windows"]]
            print("tokens/s per window of steps: " + ", ".join(f"{i}-{j}: {v:,.0f}" for i, j, v in r["windows"]))
            print(f"  min / max window: {min(tps) / max(tps):.2f}")
            print(f"anonymous RSS above the opened store: {r['rss_after_epoch1'] / MiB:.0f} MiB after epoch 1, {r['rss_end'] / MiB:.0f} MiB at the end "
                  f"(growth {(r['rss_end'] - r['rss_after_epoch1']) / MiB:+.0f} MiB); peak RSS (with mapped store pages) {r['peak'] / MiB:.0f} MiB")
            c = r["ckpt_s"]
            print(f"checkpoints: {len(c)} written atomically ({r['ckpt_mib']:.0f} MiB each), median {sorted(c)[len(c) // 2]:.2f}s, "
                  f"{sum(c) / r['total_s']:.1%} of the run")
    print("reproduce: " + ("PYTHONPATH=. " + sys.executable if peers else ".venv/bin/python") + " benchmarks/memory_load.py " + " ".join(sys.argv[1:]))

if __name__ == "__main__": main()
