"""SmolLM2-135M block 12 at the post's width (issue 25): L1 and Matryoshka, plain and with the hinge through neighbour
lists, 2 seeds, at 1,024, 4,096 and 16,384 latents, each trained on --tokens tokens of the 10M-token corpus store
(`benchmarks/smollm2_store.py`), then the post's "the" test (`sae_nb.token_latents`, nbs/09b).

Per part (one width and architecture: plain and hinge, every seed), through `experiments.compare_variants` (checkpointed
per variant, every seed saved): FVU, CE loss recovered, L0, dead share, SAEBench's first-letter absorption and meta-SAE
composition, the calibrated arithmetic test with its controls; rows appended to --out. Then each SAE's latents that put
at least half their activation mass on " the" (and on a few other function words) over the held-out shard, how
near-parallel they are, their max-activating text, and whether each plain "the" latent is a non-negative combination of
a hinge "the" latent and a context latent (against the other plain seed and random directions); to --tokens-out. Each
part is recorded as soon as it is done and a part already in --out is skipped, so a killed run started again with the
same command continues, and `--widths`/`--archs` split the study into runs that each fit a session (the store is rebuilt
where a session does not keep results/).

    .venv/bin/python benchmarks/smollm2_store.py          # the store first (about an hour on 2 cores)
    .venv/bin/python benchmarks/smollm2_scale.py          # the study (resumes)
    .venv/bin/python benchmarks/smollm2_scale.py --widths 16384 --archs l1   # one part: a session's worth after the store
    .venv/bin/python benchmarks/smollm2_scale.py --widths 256,512 --tokens 200000 --words 500 --store results/small_store --out /tmp/s.csv --tokens-out /tmp/t.json   # minutes
"""
import argparse, json, time
from pathlib import Path
import pandas as pd

WORDS = (" the", " of", " and", " a", " to", " in")

def the_test(a, arch, seeds, saves, store, lm, ids, held, say, width) -> dict:
    "The post's test on one part's saved SAEs: each SAE's token latents and their cosines, the arithmetic test of each plain seed's \" the\" latents in its hinge twin (the other plain seed the control), three examples with text."
    import torch
    from sae_nb.experiments import live_latents, variant_name
    from sae_nb.interop import load_saelens
    from sae_nb.llm import top_activations
    from sae_nb.token_latents import token_profile, token_latents, token_latent_cos, token_arithmetic
    slug = lambda h, s=0: variant_name(arch, True, a.w_pair if h else 0.0)[1] + ("" if s == 0 else f"_seed{s}")
    saes = {(h, s): load_saelens(saves / slug(h, s))[0] for h in (False, True) for s in seeds}   # saved SAEs take raw activations: scale 1
    prof = {k: token_profile(sae, store, ids, 1.0, held) for k, sae in saes.items()}
    lat = {k: {w: token_latents(p, w) for w in WORDS} for k, p in prof.items()}
    live = {k: live_latents(sae, store)[0].cpu() for k, sae in saes.items()}
    r = dict(per_sae=[], arithmetic=[], examples=[])
    for (h, s), sae in saes.items():
        the = lat[(h, s)][" the"]
        C = token_latent_cos(sae, the).cpu() if the else torch.zeros(0, 0)
        off = C[~torch.eye(len(the), dtype=torch.bool)] if len(the) > 1 else torch.zeros(0)
        r["per_sae"].append(dict(variant="hinge" if h else "plain", seed=s, live=int(live[(h, s)].sum()), **{f"n{w}": len(lat[(h, s)][w]) for w in WORDS},
                                 the_cos_mean=float(off.mean()) if len(off) else None, the_cos_max=float(off.max()) if len(off) else None,
                                 the_cos=C.numpy().round(3).tolist()))
    for s in seeds:
        P, H = saes[(False, s)], saes[(True, s)]
        the_p = lat[(False, s)][" the"]
        if not the_p: continue
        hl, the_h = torch.nonzero(live[(True, s)]).flatten(), set(lat[(True, s)][" the"])
        o = (False, seeds[(seeds.index(s) + 1) % len(seeds)])   # the other plain seed: the control
        t, summ = token_arithmetic(P.dec_dirs()[0, the_p].float().cpu(), H.dec_dirs()[0, hl].float().cpu(),
                                   [j for j, i in enumerate(hl.tolist()) if i in the_h],
                                   other=saes[o].dec_dirs()[0, live[o]].float().cpu() if len(seeds) > 1 else None)
        r["arithmetic"].append(dict(seed=s, **summ))
        if s == 0:
            for j, row in t.sort_values("resid").head(3).iterrows():
                r["examples"].append(dict(latent=int(the_p[j]), resid=float(row.resid), combination=bool(row.combination), token_plus_context=bool(row.token_plus_context),
                                          text=top_activations(P, store, lm, int(the_p[j]), 1.0, n=5, before=20).to_dict("records"),
                                          parts=[dict(latent=int(hl[q]), is_the=int(hl[q]) in the_h,
                                                      text=top_activations(H, store, lm, int(hl[q]), 1.0, n=3, before=20).to_dict("records")) for q in row.parts]))
    say(f"width {width} {arch}: ' the' latents per SAE {[x['n the'] for x in r['per_sae']]}; arithmetic {r['arithmetic']}")
    return r

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default="results/smollm2_L12_corpus_10M"); ap.add_argument("--work", default="results/smollm2_scale")
    ap.add_argument("--widths", default="1024,4096,16384"); ap.add_argument("--archs", default="l1,matryoshka")
    ap.add_argument("--seeds", type=int, default=2); ap.add_argument("--tokens", type=float, default=10e6, help="training tokens per SAE")
    ap.add_argument("--batch", type=int, default=1024); ap.add_argument("--l0", type=float, default=32.0); ap.add_argument("--w-pair", type=float, default=0.1)
    ap.add_argument("--words", type=int, default=8000, help="first-letter words for SAEBench's absorption (0: skip it)")
    ap.add_argument("--out", default="benchmarks/recorded/smollm2_scale_2cpu.csv"); ap.add_argument("--tokens-out", default="benchmarks/recorded/smollm2_tokens_2cpu.json")
    a = ap.parse_args(argv)
    import torch
    from sae_nb.core import cpu_name
    from sae_nb.activations import ActivationStore, load_model
    from sae_nb.absorption import spelling_acts, SpellingSet, train_letter_probe
    from sae_nb.experiments import compare_variants
    from sae_nb.llm import split_shards
    t0, work, out, tok_out = time.time(), Path(a.work), Path(a.out), Path(a.tokens_out)
    say = lambda s: print(f"[{time.time() - t0:6.0f}s] {s}", flush=True)
    store = ActivationStore(a.store)
    lm = load_model("smollm2")
    layer = store.spec.layer
    spelling = None
    if a.words:
        sp = work / f"spelling_{a.words}_L{layer}.pt"
        ss = SpellingSet.load(sp) if sp.exists() else spelling_acts(lm, [layer], n_words=a.words, progress=False)
        if not sp.exists(): sp.parent.mkdir(parents=True, exist_ok=True); ss.save(sp)
        spelling = (ss, train_letter_probe(ss, layer))
    ids = {w: lm.encode(w) for w in WORDS}
    bad = {w: t for w, t in ids.items() if len(t) != 1}
    if bad: raise SystemExit(f"not single tokens for {lm.name}: {bad}")
    ids = {w: t[0] for w, t in ids.items()}
    archs, seeds = a.archs.split(","), list(range(a.seeds))
    steps = int(a.tokens) // a.batch
    old = pd.read_csv(out) if out.exists() else None
    if old is not None and "arch" not in old: raise SystemExit(f"{out} predates the per-architecture record (no arch column): move it aside to start again")
    done = set() if old is None else set(zip(old.width, old.arch))
    tok_rec = json.loads(tok_out.read_text()) if tok_out.exists() else dict(widths={})
    _, held = split_shards(store, 1)
    for width in map(int, a.widths.split(",")):
        saves = work / f"saes_w{width}"
        for arch in archs:   # a part: one width and architecture, plain and hinge, every seed; recorded as soon as it is done
            if (width, arch) in done: say(f"width {width} {arch}: recorded earlier, skipped")
            else:
                t1 = time.time()
                tab = compare_variants(store, width, seeds=seeds, target_l0=a.l0, w_pairs=[a.w_pair], n_steps=steps, batch_size=a.batch, lm=lm, penalty="lists",
                                       archs=[arch], aux=True, init_from_data=True, checkpoint_dir=work / f"ck_w{width}", save_dir=saves, save_all=True,
                                       meta=True, spelling=spelling, arithmetic=True, log=say)
                tab.insert(0, "width", width); tab.insert(1, "arch", arch)
                tab["tokens"], tab["steps"], tab["store_tokens"], tab["cpu"], tab["threads"] = steps * a.batch, steps, len(store), cpu_name(), torch.get_num_threads()
                tab["part_seconds"] = round(time.time() - t1)
                old = tab if old is None else pd.concat([old, tab])
                old.to_csv(out, index=False)
            if arch in tok_rec["widths"].get(str(width), {}): continue
            tok_rec["widths"].setdefault(str(width), {})[arch] = the_test(a, arch, seeds, saves, store, lm, ids, held, say, width)
            tok_rec.update(words=list(WORDS), min_share=0.5, min_fires=20, held_out_tokens=sum(store.shards[i]["rows"] for i in held), store=str(a.store), cpu=cpu_name())
            tok_out.write_text(json.dumps(tok_rec, indent=1))
    say(f"wrote {out} and {tok_out}")

if __name__ == "__main__":
    main()
