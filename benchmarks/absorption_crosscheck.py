"""Cross-check sae_nb's absorption scores against sae-bench's own `FeatureAbsorptionCalculator`, word by word, on one trained SmolLM2 SAE.

sae-bench loads its model through TransformerLens, which does not run SmolLM2 offline here; its calculator only needs
`run_with_cache` and `to_tokens`, so a stub hands it the activations sae_nb stored for each test word. Its SAE is the
same SAE with every decoder row scaled to unit length and the activations scaled up to match (reconstruction unchanged):
SAEBench's contribution, activation × cosine, is the contribution along the probe only for unit-norm rows, which is the
quantity sae_nb computes for any row length. The main latents are sae_nb's k-sparse probing's; then, per word, both
give an absorption fraction and a full-absorption flag, and the script prints how many agree and the largest difference.

    .venv/bin/pip download --no-deps sae-bench==0.6.0 -d /tmp/sb && .venv/bin/python -m zipfile -e /tmp/sb/sae_bench-0.6.0-py3-none-any.whl /tmp/sb/src
    .venv/bin/python benchmarks/absorption_crosscheck.py --saebench /tmp/sb/src     # imported from there, not installed (its dependencies are not needed)
Needs the study's files (`benchmarks/llm_absorption.py` writes them under results/llm_absorption/).
"""
import argparse, sys, time
import torch

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--saebench", required=True, help="a folder holding sae-bench's unpacked wheel")
    ap.add_argument("--sae", default="results/llm_absorption/saes_L12_w2048/l1", help="a SAELens folder sae_nb saved")
    ap.add_argument("--spelling", default="results/llm_absorption/spelling_8000.pt")
    ap.add_argument("--layer", type=int, default=12)
    a = ap.parse_args(argv)
    sys.path.insert(0, a.saebench)
    from sae_bench.evals.absorption.feature_absorption_calculator import FeatureAbsorptionCalculator
    from sae_nb.absorption import LETTERS, TEMPLATE, SpellingSet, absorption_scores, k_sparse_probing, train_letter_probe
    from sae_nb.interop import load_saelens
    t0 = time.time()
    sae, cfg = load_saelens(a.sae)
    ss = SpellingSet.load(a.spelling)
    probe = train_letter_probe(ss, a.layer)
    ks = k_sparse_probing(sae, ss, a.layer)
    X, y = ss.split(a.layer, False)
    words = [w for w, t in zip(ss.words, ~ss.train) if t]
    row_of = {w: i for i, w in enumerate(words)}
    norms = sae.W_dec[0].detach().norm(dim=-1)

    class Stub:  # what the calculator asks of a TransformerLens model
        def to_tokens(self, s): return torch.zeros(1, 8, dtype=torch.long)
        def run_with_cache(self, prompts, names_filter):
            word = lambda p: p.rsplit("\n", 1)[-1][: -len(TEMPLATE.split("{word}", 1)[1])]
            A = torch.zeros(len(prompts), 8, X.shape[1])
            A[:, -6] = X[[row_of[word(p)] for p in prompts]]
            return None, {names_filter[0]: A}
    class UnitSAE:  # the same SAE, decoder rows at unit length
        device = torch.device("cpu")
        W_dec = (sae.W_dec[0].detach() / norms[:, None])
        def encode(self, x): return sae.encode(x, check=False)[0] * norms
    calc = FeatureAbsorptionCalculator(model=Stub(), icl_word_list=words, max_icl_examples=10, base_template=TEMPLATE, word_token_pos=-6)
    S = probe.scores(X)
    n = agree_frac = agree_full = 0
    worst = 0.0
    for c, ch in enumerate(LETTERS):
        tp = ((y == c) & (S[:, c] > 0)).nonzero().flatten()
        if not len(tp): continue
        main = ks[ks.letter == ch].main.iloc[0]
        theirs = calc.calculate_absorption(UnitSAE(), [words[i] for i in tp], probe.dirs[c], main, a.layer, show_progress=False).word_results
        f = sae.encode(X[tp], check=False)[0]
        along = sae.W_dec[0].detach() @ probe.dirs[c]
        frac, full = absorption_scores(f * along, along / norms, X[tp] @ probe.dirs[c], f, main)
        for r, fr, fu in zip(theirs, frac.tolist(), full.tolist()):
            d = abs(float(r.absorption_fraction) - fr); worst = max(worst, d)
            agree_frac += d < 1e-4; agree_full += bool(r.is_full_absorption) == fu; n += 1
    print(f"{a.sae} ({cfg['sae_nb']['activation']}), layer {a.layer}, {n} probe true positives over 26 letters:")
    print(f"  absorption fraction: {agree_frac}/{n} words agree within 1e-4 (largest difference {worst:.2e})")
    print(f"  full absorption:     {agree_full}/{n} words agree")
    print(f"({time.time() - t0:.0f}s)\nreproduce: .venv/bin/python benchmarks/absorption_crosscheck.py " + " ".join(sys.argv[1:] if argv is None else argv))

if __name__ == "__main__": main()
