"""Absorption and composition on SmolLM2-135M: L1, TopK, BatchTopK and Matryoshka, each plain and with the hinge, at matched L0.

1. The first-letter task (SAEBench's absorption eval, re-implemented in `sae_nb.absorption`): --words random alphabetic
   vocabulary tokens in in-context prompts, the residual stream read at the word's last token at each of --probe-layers;
   26 probes per layer, their test F1 per letter written to --probes. The layer where most letters pass F1 > 0.6 is used
   unless --layer is given.
2. A store of --tokens Wikipedia-sample activations at that layer; each variant trained for --seeds seeds; per SAE:
   `evaluate_sae(meta=True)` (FVU, CE recovered, L0, geometry, meta-SAE composition), absorption, and the arithmetic test
   between each architecture's plain and hinge SAEs (with the seed and random-direction controls). Rows to --out.
3. The arithmetic test's detector, calibrated on composites planted in the first plain SAE's own decoder, and a few of
   its calls with max-activating text, to --examples.

    .venv/bin/python benchmarks/llm_absorption.py                     # the recorded run: about 45 minutes on 2 CPU cores
    .venv/bin/python benchmarks/llm_absorption.py --words 1000 --tokens 32000 --width 512 --steps 200 --seeds 2 --archs topk --out /tmp/a.csv --probes /tmp/p.csv --examples /tmp/e.json   # a few minutes
"""
import argparse, json, sys, time
from pathlib import Path
import pandas as pd

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=8000, help="first-letter words (random alphabetic vocabulary tokens)")
    ap.add_argument("--probe-layers", type=int, nargs="+", default=[3, 6, 9, 12, 15])
    ap.add_argument("--layer", type=int, default=None, help="the layer to study (default: the one where most letters' probes pass; among ties 12, the layer of every earlier SmolLM2 result)")
    ap.add_argument("--tokens", type=int, default=160_000)
    ap.add_argument("--width", type=int, default=2048)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--l0", type=float, default=32.0)
    ap.add_argument("--w-pair", type=float, default=0.1)
    ap.add_argument("--archs", default="l1,topk,batchtopk,matryoshka")
    ap.add_argument("--device", default=None)
    ap.add_argument("--work", default="results/llm_absorption", help="spelling set, stores, checkpoints and saved SAEs")
    ap.add_argument("--out", default="benchmarks/recorded/llm_absorption_smollm2.csv")
    ap.add_argument("--probes", default="benchmarks/recorded/first_letter_probes_smollm2.csv")
    ap.add_argument("--examples", default="benchmarks/recorded/llm_arithmetic_examples_smollm2.json")
    a = ap.parse_args(argv)
    import torch
    from sae_nb.activations import load_model, extract_activations
    from sae_nb.absorption import SpellingSet, spelling_acts, train_letter_probe, probe_report, passing_letters, pick_layer, arithmetic_test, calibrate_detector
    from sae_nb.llm import top_activations
    from sae_nb.experiments import compare_variants, live_latents, variant_name
    from sae_nb.interop import load_saelens
    t0, work = time.time(), Path(a.work)
    say = lambda s: print(f"[{time.time() - t0:5.0f}s] {s}", flush=True)
    lm = load_model("smollm2", device=a.device)
    sp = work / f"spelling_{a.words}.pt"
    if sp.exists() and set(a.probe_layers) <= set((ss := SpellingSet.load(sp)).acts): say(f"spelling set reused: {sp}")
    else:
        ss = spelling_acts(lm, a.probe_layers, n_words=a.words, progress=False); ss.save(sp)
        say(f"{len(ss.words):,} first-letter prompts run through layers {a.probe_layers}")
    probes = {L: train_letter_probe(ss, L) for L in a.probe_layers}
    reps = pd.concat([probe_report(p, ss) for p in probes.values()], ignore_index=True)
    reps["words"] = len(ss.words); reps.to_csv(a.probes, index=False)
    passing = passing_letters(reps)
    layer = pick_layer(reps, prefer=12) if a.layer is None else a.layer
    say("letters whose probe passes F1 > 0.6, by layer: " + ", ".join(f"{L}: {n}" for L, n in passing.items()) + f"; studying layer {layer}")
    if layer not in probes: probes[layer] = train_letter_probe(ss, layer) if layer in ss.acts else sys.exit(f"layer {layer} was not probed: add it to --probe-layers")
    store = extract_activations(work / f"smollm2_L{layer}_{a.tokens}", lm, layer=layer, n_tokens=a.tokens, ctx_len=128, shard_tokens=16_384, progress=False)
    say(f"{store}")
    archs = a.archs.split(",")
    tab = compare_variants(store, a.width, seeds=list(range(a.seeds)), target_l0=a.l0, w_pairs=[a.w_pair], n_steps=a.steps, lm=lm, device=a.device,
                           penalty="lists", archs=archs, aux=True, checkpoint_dir=work / f"ck_L{layer}_w{a.width}", save_dir=work / f"saes_L{layer}_w{a.width}",
                           meta=True, spelling=(ss, probes[layer]), arithmetic=True, log=say)
    tab.insert(0, "layer", layer); tab.insert(1, "width", a.width)
    tab["steps"], tab["tokens"], tab["words"], tab["device"], tab["torch"] = a.steps, len(store), len(ss.words), str(lm.device), torch.__version__
    tab.to_csv(a.out, index=False)
    cols = [c for c in ("fvu", "ce_recovered", "l0", "dead", "meta_fve", "absorption", "full_absorption", "letters", "combo_in_other_seed",
                        "combo_random", "plain_in_this", "this_in_plain", "seconds") if c in tab]
    pd.set_option("display.width", 250)
    print(tab.groupby("variant", sort=False)[cols].agg(lambda s: f"{s.mean():.3f} ± {s.std():.3f}").to_string(), flush=True)

    # the detector calibrated on the first plain SAE's own decoder, then a few of its calls with their text
    saved = work / f"saes_L{layer}_w{a.width}"
    def live(sae):   # the SAEs saved in SAELens's format take raw activations: scale 1
        alive = live_latents(sae, store)[0].cpu()
        return torch.nonzero(alive).flatten(), sae.dec_dirs()[0][alive].float().cpu()
    slug = lambda arch, h: variant_name(arch, True, a.w_pair if h else 0.0)[1]
    ids0, D0 = live(load_saelens(saved / slug(archs[0], False))[0])
    cal = calibrate_detector(D0)
    cal.insert(0, "dictionary", f"{archs[0]} seed 0, {len(D0)} live latents")
    examples = dict(calibration=cal.to_dict("records"), examples=[])
    for arch in archs:
        P, H = load_saelens(saved / slug(arch, False))[0], load_saelens(saved / slug(arch, True))[0]
        (pi, PD), (hi, HD) = live(P), live(H)
        t = arithmetic_test(PD, HD)
        calls = t[t.combination].sort_values("resid").head(3)
        for j, r in calls.iterrows():
            ex = dict(arch=arch, latent=int(pi[j]), resid=float(r.resid), best_cos=float(r.best_cos),
                      text=top_activations(P, store, lm, int(pi[j]), 1.0, n=5).to_dict("records"), parts=[])
            for q in r.parts:
                ex["parts"].append(dict(latent=int(hi[q]), cos=float(PD[j] @ HD[q]), text=top_activations(H, store, lm, int(hi[q]), 1.0, n=3).to_dict("records")))
            examples["examples"].append(ex)
    Path(a.examples).write_text(json.dumps(examples, indent=1))
    say(f"wrote {a.out}, {a.probes}, {a.examples}")
    print("reproduce: .venv/bin/python benchmarks/llm_absorption.py " + " ".join(sys.argv[1:] if argv is None else argv))

if __name__ == "__main__": main()
