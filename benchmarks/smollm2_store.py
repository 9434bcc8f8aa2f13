"""A 10M-token activation store of SmolLM2-135M block 12 on the offline corpus (issue 25's store; `sae_nb.corpus`, nbs/08b):
bf16 weights where the CPU has bf16 units (3.06x fp32 end to end on 2 AMX cores, `extract_speed_2cpu.txt`), fp32 where it has none
(bf16 would be emulated there, slower than fp32); float16 activations, 262,144 tokens a shard. A store keeps the precision it was
started with (its shards never mix two), so a store resumed on another CPU continues in that precision.
Resumable: a killed run started again with the same command continues from its last finished shard (the token stream is
deterministic). Each run that finishes appends itself to the record (tokens added, seconds, tokens/s, the CPU) with the
store's tokens, shards and disk use; `--record-only` writes how far a killed run got, without a run entry.

    apt-get install python3.11-doc linux-doc-6.1 dict-gcide perl-doc postgresql-doc-15   # the corpus's Debian sources
    .venv/bin/python benchmarks/smollm2_store.py                      # extract (resumes), then record
    .venv/bin/python benchmarks/smollm2_store.py --record-only        # record how far it got
"""
import argparse, json, time
from pathlib import Path

def summary(out: Path) -> dict:
    "How far the store at `out` got: tokens, shards, bytes on disk, whether it is complete."
    m = json.loads((out / "manifest.json").read_text())
    return dict(tokens=sum(s["rows"] for s in m["shards"]), shards=len(m["shards"]), complete=bool(m.get("complete")),
                disk_bytes=sum(p.stat().st_size for p in out.iterdir() if p.is_file()))

def main(argv=None):
    import torch
    from sae_nb.core import cpu_name
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="results/smollm2_L12_corpus_10M"); ap.add_argument("--tokens", type=float, default=10e6)
    ap.add_argument("--layer", type=int, default=12); ap.add_argument("--shard-tokens", type=int, default=262_144)
    ap.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                    help="auto: the store's own if it exists, else bf16 weights on a CPU with bf16 units and fp32 on one without")
    ap.add_argument("--record", default="benchmarks/recorded/smollm2_store_2cpu.json"); ap.add_argument("--record-only", action="store_true")
    a = ap.parse_args(argv)
    out, rec = Path(a.out), Path(a.record)
    runs = json.loads(rec.read_text())["runs"] if rec.exists() else []
    if not a.record_only:
        from sae_nb.activations import load_model, extract_activations
        from sae_nb.core import bf16_units
        started = (out / "manifest.json").exists()
        before = summary(out)["tokens"] if started else 0
        prec = a.precision
        if prec == "auto":
            prec = (json.loads((out / "manifest.json").read_text())["spec"]["precision"] if started
                    else "bf16" if bf16_units("cpu") else "fp32")
            prec = "bf16" if prec.startswith("bf16") else "fp32"
        print(f"extracting in {'bf16 weights' if prec == 'bf16' else 'fp32'} on {cpu_name()} (bf16 units: {bf16_units('cpu') or 'none'})", flush=True)
        t0 = time.perf_counter()
        lm = load_model("smollm2", device="cpu", dtype=torch.bfloat16 if prec == "bf16" else torch.float32)
        extract_activations(out, lm, layer=a.layer, n_tokens=int(a.tokens), shard_tokens=a.shard_tokens, text="corpus", precision=prec, dtype="float16")
        secs = time.perf_counter() - t0; after = summary(out)["tokens"]
        runs.append(dict(started=time.strftime("%Y-%m-%d %H:%M:%S"), cpu=cpu_name(), threads=torch.get_num_threads(), tokens_added=after - before,
                         precision=prec, seconds=round(secs, 1), tokens_per_second=round((after - before) / secs, 1)))
    s = summary(out)
    rec.write_text(json.dumps(dict(store=str(out), layer=a.layer, tokens_asked=int(a.tokens), text="corpus", precision=json.loads((out / "manifest.json").read_text())["spec"]["precision"], dtype="float16", **s, runs=runs), indent=1))
    print(json.dumps(dict(s, runs=runs[-1:])))

if __name__ == "__main__":
    main()
