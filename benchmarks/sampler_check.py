"""sae_nb's SynthSampler against SAELens's own sampler on SynthSAEBench-16k: speed, and the same distribution on ≥ 1M rows each.

Speed (one run, same process, nothing else running): rows/s of `SynthSampler` (rows and true activations; rows only,
as training draws them) against SAELens's `SyntheticModel.sample_with_features` and `.sample` with its dense and its
sparse path (the best of them is the baseline), and against the samples/s of a 3-instance Matryoshka SAE (4,096
latents, k 25, bf16 where the CPU has bf16 units) training from an in-memory tensor and from the sampler.
Distribution (`--rows` each, default 1M): `compare_features` (firing rate of every feature, co-firing of the 1,000
most frequent pairs, magnitudes per firing-rate decile), `hierarchy_violations` on both, and one fixed SAE (TopK,
4,096 latents, k 25, trained from the sampler) scored by SAELens's `eval_sae_on_synthetic_data` on 100,000 rows of
each source. SAELens's rows are drawn in blocks of 65,536 saved under `--work` (an interrupted run resumes).

    .venv/bin/python benchmarks/sampler_check.py --out benchmarks/recorded/sampler_check_16k_2cpu.json
    .venv/bin/python benchmarks/sampler_check.py --speed-only      # the speed half, about 3 minutes
"""
import argparse, json, math, time
from pathlib import Path
import torch

def rate(f, rows, secs=8.0):
    "rows/s of f() (which returns `rows` rows), run for about `secs` seconds after one warm-up call."
    f(); n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < secs: f(); n += rows
    return n / (time.perf_counter() - t0)

def measure_plan(model, SynthSampler, n=4096, reps=8):
    "What the sampler has to do on this model, and where one chunk of n rows spends its time (ms, median of reps)."
    smp = SynthSampler(model, seed=0)
    kids = smp.parent >= 0
    from sae_nb.sampler import _phi_bar
    sd = smp.fac.double().norm(dim=1)
    j = smp.sparse_idx
    def ms(f):
        f(); ts = []
        for _ in range(reps):
            t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
        return round(sorted(ts)[len(ts) // 2] * 1e3, 2)
    eps = torch.randn(n, smp.fac.shape[1])
    eps1 = torch.cat([eps, -torch.ones(n, 1)], 1)
    def scan():
        for s in range(0, n, smp.block): (eps1[s:s + smp.block] @ smp.facT1 > 0).nonzero()
    return dict(features=smp.n_features, free=len(smp.free_idx), free_every_row=len(smp.dense_idx), children=int(kids.sum()),
                children_p_sum=round(float(smp.p[kids].sum()), 1), free_p_sum=round(float(smp.p[smp.free_idx].sum()), 2),
                candidates_per_row=round(float(smp.q[j].sum()), 1), dense_region_per_row=round(float(_phi_bar(smp.a[j] / sd[j]).sum()), 1),
                chunk_rows=n, chunk_ms=ms(lambda: smp._chunk(n, smp.g)), free_ms=ms(lambda: smp._free(n, eps, smp.g)), scan_ms=ms(scan))

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="results/synthsaebench/model")
    ap.add_argument("--work", default="results/sampler_check")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--speed-only", action="store_true")
    ap.add_argument("--plan-only", action="store_true", help="only (re)measure the plan and the time split of one chunk, into the existing --out")
    ap.add_argument("--out", default="benchmarks/recorded/sampler_check_16k_2cpu.json")
    a = ap.parse_args(argv)
    from sae_nb.core import cpu_name, bf16_units
    from sae_nb.synthbench import load_or_build, saelens_scores, Features
    from sae_nb.sampler import SynthSampler, SampledSource, saelens_features, compare_features, hierarchy_violations
    from sae_nb.sae import SAE, arch_config
    from sae_nb.train import TrainConfig, train_sae
    model = load_or_build(a.model)
    out = dict(cpu=cpu_name(), bf16_units=bf16_units("cpu"), threads=torch.get_num_threads(), torch=torch.__version__,
               features=model.cfg.num_features, d=model.cfg.hidden_dim)
    print(json.dumps(out), flush=True)
    plan = measure_plan(model, SynthSampler)
    print(json.dumps(plan), flush=True)
    if a.plan_only:
        rec = json.loads(Path(a.out).read_text()); rec["plan"] = plan
        Path(a.out).write_text(json.dumps(rec, indent=1)); return
    out["plan"] = plan
    # --- speed -------------------------------------------------------------------------------------------------
    smp = SynthSampler(model, seed=0)
    B = 4096
    speed = dict(sae_nb_rows_and_features=rate(lambda: smp.sample_with_features(B), B), sae_nb_rows=rate(lambda: smp(B), B))
    torch.manual_seed(0)
    for sparse in (False, True):
        model.use_sparse_tensors = sparse
        tag = "sparse" if sparse else "dense"
        speed[f"saelens_sample_with_features_{tag}"] = rate(lambda: model.sample_with_features(1024), 1024, secs=10)
        speed[f"saelens_sample_{tag}"] = rate(lambda: model.sample(1024), 1024, secs=10)
    model.use_sparse_tensors = False
    base = max(v for k, v in speed.items() if k.startswith("saelens"))
    speed["ratio_rows_and_features"] = speed["sae_nb_rows_and_features"] / base
    speed["ratio_rows"] = speed["sae_nb_rows"] / base
    # training: a 3-instance Matryoshka SAE from memory and from the sampler
    amp = bf16_units("cpu") is not None
    X = smp(32 * 1024).contiguous()
    X *= math.sqrt(X.shape[1]) / X.norm(dim=1).mean()
    pos = [0]
    def from_memory(b):
        i = pos[0] % 32; pos[0] += 1
        return X[i * b:(i + 1) * b]
    def trained(data, steps=60):
        sae = SAE(arch_config("matryoshka", model.cfg.hidden_dim, 4096, 25, n_inst=3, seed=[0, 1, 2], aux=True))
        train_sae(sae, data, TrainConfig(n_steps=10, batch_size=1024, lr=3e-4, amp=amp, progress=False))   # warm-up
        t0 = time.perf_counter()
        train_sae(sae, data, TrainConfig(n_steps=steps, batch_size=1024, lr=3e-4, amp=amp, progress=False))
        return steps * 1024 / (time.perf_counter() - t0)
    smp.scale = smp.mean_norm_scale()
    speed["matryoshka_x3_from_memory"] = trained(from_memory)
    speed["matryoshka_x3_from_sampler"] = trained(smp)
    speed["precision"] = "bf16" if amp else "fp32"
    out["speed"] = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in speed.items()}
    print(json.dumps(out["speed"]), flush=True)
    if a.speed_only:
        Path(a.out).write_text(json.dumps(out, indent=1)); return
    # --- distribution ------------------------------------------------------------------------------------------
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ours = SynthSampler(model, seed=1).sample_features(a.rows)
    out["sae_nb_seconds"] = round(time.perf_counter() - t0, 1)
    blocks, t0, blk = [], time.perf_counter(), 65_536
    for i, s in enumerate(range(0, a.rows, blk)):
        p = work / f"saelens_{a.rows}_{i}.pt"
        if p.exists(): F = Features.load(p)
        else:
            F = saelens_features(model, min(blk, a.rows - s), seed=100 + i)
            F.save(p)
        blocks.append(F)
        print(f"SAELens rows: {s + len(F):,}/{a.rows:,} ({time.perf_counter() - t0:.0f}s)", flush=True)
    ref = Features(torch.cat([blocks[0].crow] + [b.crow[1:] + sum(int(c.crow[-1]) for c in blocks[:k]) for k, b in enumerate(blocks) if k]),
                   torch.cat([b.col for b in blocks]), torch.cat([b.val for b in blocks]), blocks[0].n_features)
    cmp = compare_features(ref, ours)
    mags = cmp.pop("magnitudes")
    out["distribution"] = dict(cmp, magnitudes=mags.round(4).reset_index().to_dict(orient="list"),
                               violations_sae_nb=hierarchy_violations(ours, smp), violations_saelens=hierarchy_violations(ref, smp))
    print(json.dumps({k: v for k, v in out["distribution"].items() if k != "magnitudes"}), flush=True)
    # one fixed SAE scored on rows of each source
    train = SynthSampler(model, seed=2); train.scale = train.mean_norm_scale()
    sae = SAE(arch_config("topk", model.cfg.hidden_dim, 4096, 25, seed=0, aux=True))
    train_sae(sae, train, TrainConfig(n_steps=1000, batch_size=1024, lr=3e-4, amp=bf16_units("cpu") is not None, progress=False))
    held = SampledSource(SynthSampler(model, seed=3), 100_000)
    n_ref = 100_000
    ref_held = Features(ref.crow[:n_ref + 1], ref.col[:int(ref.crow[n_ref])], ref.val[:int(ref.crow[n_ref])], ref.n_features)
    out["fixed_sae"] = dict(sae_nb_rows=saelens_scores(sae, model, held.features, held.rows, scale=train.scale),
                            saelens_rows=saelens_scores(sae, model, ref_held, (0, n_ref), scale=train.scale), train_rows=1000 * 1024)
    print(json.dumps(out["fixed_sae"]), flush=True)
    Path(a.out).write_text(json.dumps(out, indent=1))

if __name__ == "__main__":
    main()
