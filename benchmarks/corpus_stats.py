"""The offline corpus on this machine (`sae_nb.corpus`, nbs/08b): per source its documents, characters and SmolLM2 tokens
after cleaning, paragraph deduplication and the per-source cap; the paragraphs deduplication dropped; how long reading took.

    apt-get install python3.11-doc linux-doc-6.1 dict-gcide perl-doc postgresql-doc-15   # the Debian sources
    .venv/bin/python benchmarks/corpus_stats.py --out benchmarks/recorded/corpus_2cpu.json
"""
import argparse, json, time
from pathlib import Path

def main(argv=None):
    import torch
    from sae_nb.corpus import SOURCES, corpus_docs
    from sae_nb.activations import load_model
    from sae_nb.core import cpu_name
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="benchmarks/recorded/corpus_2cpu.json")
    ap.add_argument("--max-chars", type=int, default=16_000_000, help="the per-source cap (corpus_docs' default)")
    a = ap.parse_args(argv)
    here = [n for n, s in SOURCES.items() if s.installed()]
    t0 = time.perf_counter(); docs = corpus_docs(here, max_chars=a.max_chars); t_read = time.perf_counter() - t0
    raw = {n: sum(map(len, SOURCES[n].documents())) for n in here}   # before deduplication and the cap
    lm = load_model("smollm2", device="cpu")
    t0 = time.perf_counter()
    per = {n: dict(documents=0, characters=0, tokens=0, characters_before_dedup_and_cap=raw[n]) for n in here}
    for d in docs:
        p = per[d.source]; p["documents"] += 1; p["characters"] += len(d.text); p["tokens"] += len(lm.encode(d.text))
    t_tok = time.perf_counter() - t0
    out = dict(sources={n: dict(per[n], what=SOURCES[n].what, install=SOURCES[n].install, licence=SOURCES[n].licence) for n in here},
               missing=[n for n in SOURCES if n not in here], max_chars=a.max_chars,
               documents=len(docs), characters=sum(p["characters"] for p in per.values()), tokens=sum(p["tokens"] for p in per.values()),
               read_seconds=round(t_read, 1), tokenize_seconds=round(t_tok, 1), cpu=cpu_name(), threads=torch.get_num_threads(), tokenizer="SmolLM2-135M")
    Path(a.out).write_text(json.dumps(out, indent=1))
    print(json.dumps({k: v for k, v in out.items() if k != "sources"}))
    for n, p in out["sources"].items(): print(f"{n:14s} {p['documents']:7,} docs {p['characters']:12,} chars {p['tokens']:11,} tokens ({p['characters_before_dedup_and_cap']:,} chars before)")

if __name__ == "__main__":
    main()
