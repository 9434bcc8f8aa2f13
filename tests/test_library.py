"""Tests of the installed package alone: nothing here may rely on notebook state."""
import re
from pathlib import Path
import numpy as np
import pytest
import torch

from sae_nb.core import check_finite, make_generator, remove_parallel_grad, unit_norm
from sae_nb.data import Bundle, FeatureModel, random_directions, toy_model
from sae_nb.sae import SAE, SAEConfig
from sae_nb.train import TrainConfig, train_sae
from sae_nb.toy import dictionary_loss, lasso_codes, predicted_p3, run_toy, summarise_toy
from sae_nb.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_unit_norm_step_keeps_rows_on_sphere():
    W = unit_norm(torch.randn(3, 7, 5))
    g = remove_parallel_grad(W, torch.randn(3, 7, 5))
    assert torch.allclose((g * W).sum(-1), torch.zeros(3, 7), atol=1e-6)


def test_lasso_codes_soft_threshold_and_optimality():
    x = torch.rand(2, 50, 3)
    f = lasso_codes(torch.eye(3)[None].expand(2, -1, -1), x, torch.tensor([0.1, 0.4]))
    assert torch.allclose(f, (x - torch.tensor([0.05, 0.2])[:, None, None]).clamp_min(0), atol=1e-5)
    D = unit_norm(torch.randn(1, 4, 3))  # overcomplete: no closed form, check no perturbation does better
    x1 = torch.rand(1, 20, 3)
    best = dictionary_loss(D, x1, 0.2, n_iter=2000)
    f = lasso_codes(D, x1, 0.2, n_iter=2000)
    for _ in range(20):
        fp = (f + 0.01 * torch.randn_like(f)).clamp_min(0)
        loss = (x1 - fp @ D).pow(2).sum(-1).mean(-1) + 0.2 * fp.sum(-1).mean(-1)
        assert loss >= best - 1e-6


def test_feature_model_rates_and_bundles():
    fm = toy_model(p3=[0.02, 0.2], p_both=0.3, p_solo=0.1, jitter=0.0)
    rates = fm.firing_rates(50_000)
    assert torch.allclose(rates[:, 2], torch.tensor([0.02, 0.2]), atol=0.01)
    assert torch.allclose(rates[:, 0], torch.full((2,), 1 - 0.9 * 0.7), atol=0.01)


@pytest.mark.parametrize("bad,msg", [
    (lambda: toy_model(p3=-0.1), "must lie in [0, 1]"),
    (lambda: FeatureModel(torch.eye(3), [0.1, 0.1, 0.1], bundles=[Bundle((0, 1), 0.2, props=(1.0, -1.0))]), "non-negative"),
    (lambda: SAEConfig(d_in=3, d_sae=0), "d_sae must be an integer >= 1"),
    (lambda: run_toy([0.1], [0.01], [0], width=0), "width must be >= 1"),
    (lambda: random_directions(5, 3), "cannot make 5 orthogonal"),
    (lambda: train_sae(SAE(SAEConfig(5, 3), device="cpu"), toy_model(), TrainConfig(n_steps=1)), "d_in=3 but the SAE expects d_in=5"),
    (lambda: SAE(SAEConfig(3, 3), device="cpu").losses(torch.full((4, 3), float("nan"))), "non-finite"),
    (lambda: SAE(SAEConfig(3, 3), device="cpu").losses(torch.zeros(4, 3, dtype=torch.long)), "floating point"),
])
def test_bad_input_is_named(bad, msg):
    with pytest.raises((ValueError, TypeError), match=re.escape(msg)):
        bad()


def test_check_finite_names_index():
    x = torch.zeros(3, 4); x[2, 1] = float("-inf")
    with pytest.raises(ValueError, match=r"index \(2, 1\)"):
        check_finite(x, "acts")


def test_instances_train_independently():
    """Training a sweep must give each instance the result it would get alone (same seed, same data)."""
    fm = toy_model(p3=0.02, n_inst=1)
    solo = SAE(SAEConfig(3, 3, n_inst=1, l1_coeff=0.1, seed=[4]), device="cpu")
    g1 = make_generator(0)
    train_sae(solo, lambda b: fm.sample(b, g1)[0], TrainConfig(n_steps=50, batch_size=64, progress=False))
    pair = SAE(SAEConfig(3, 3, n_inst=2, l1_coeff=[0.1, 0.5], seed=[4, 9]), device="cpu")
    g2 = make_generator(0)
    train_sae(pair, lambda b: fm.sample(b, g2)[0].expand(2, -1, -1), TrainConfig(n_steps=50, batch_size=64, progress=False))
    assert torch.allclose(solo.W_dec[0], pair.W_dec[0], atol=1e-5)


def test_post_solution_loss_lower_at_high_l1_low_p3():
    """The post's claim in numbers: the f3-less dictionary beats the atomic one when f3 is rare and L1 is strong."""
    s = 2 ** -0.5
    fm = toy_model(p3=[0.0025, 0.08], p_both=0.3, p_solo=0.1)
    x, _ = fm.sample(5_000, make_generator(0))
    A = torch.eye(3)[None].expand(2, -1, -1)
    B = unit_norm(torch.tensor([[1., 0, 0], [0, 1, 0], [s, s, 0]]))[None].expand(2, -1, -1)
    dA, dB = dictionary_loss(A, x, 0.2), dictionary_loss(B, x, 0.2)
    assert dB[0] < dA[0] and dB[1] > dA[1]
    assert 0.0025 < predicted_p3(0.2) < 0.08


def test_run_toy_and_summary_smoke():
    res, sae, fm, hist = run_toy([0.2], [0.01], seeds=[0, 1], width=3, n_steps=100, device="cpu")
    assert len(res) == 2 and set(res.columns) >= {"combo", "f3", "outcome", "post_solution", "n_combos"}
    s = summarise_toy({"w3": res})
    assert s.loc["SAEs", "w3"] == "2"


@pytest.mark.parametrize("argv,msg", [
    (["toy", "--steps", "0"], "--steps must be >= 1, got 0"),
    (["toy", "--device", "gpu"], "unknown device 'gpu'"),
    (["toy", "--out", "README.md"], "--out README.md is a file, not a folder"),
    (["llm", "--l0", "inf"], "--l0 must be > 0 and at most --width (1024), got inf"),
    (["llm", "--l0", "100", "--width", "64"], "--l0 must be > 0 and at most --width (64), got 100.0"),
    (["llm", "--w-pair", "-1"], "--w-pair must be a finite number >= 0"),
    (["llm", "--w-pair", "nan"], "--w-pair must be a finite number >= 0"),
    (["llm", "--seeds", "0"], "--seeds must be >= 1, got 0"),
    (["llm", "--device", "gpu"], "unknown device 'gpu'"),
    (["llm", "--arch", "l1,gated"], "--arch must be a comma-separated list of l1, topk, batchtopk, jumprelu, matryoshka, got 'l1,gated'"),
    (["llm", "--arch", ""], "--arch must be a comma-separated list"),
    (["llm", "--text", ""], "the text source is empty"),
    (["llm", "--text", "no/such/file.txt"], "text source 'no/such/file.txt' is not 'wiki'")])
def test_cli_refuses_bad_arguments_before_any_work(argv, msg, capsys, monkeypatch):
    "Each bad argument gets a one-line error naming it, before a model is loaded or anything is trained (these run in milliseconds)."
    monkeypatch.chdir(ROOT)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("sae-nb: error: ") and msg in err and err.count("\n") == 1, err


def test_readme_python_snippet_runs():
    "The README's Python example runs as printed and gives the table it promises (one row per instance and latent)."
    code = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    env = {}
    exec(compile(code.replace("progress=True", "progress=False"), "README.md", "exec"), env)
    tab = env["label_latents"](env["sae"], env["fm"])
    assert len(tab) == 8 * 3 and {"inst", "latent"} <= set(tab.columns), tab.columns


def test_readme_test_command_is_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    cmd = re.search(r"^TEST_CMD='(.*)'$", ci, re.M).group(1)
    assert cmd in (ROOT / "README.md").read_text()


# --- structured data and per-feature diagnosis ---
from itertools import permutations
from sae_nb.structured import StructuredModel, scaled_model, the_model, zipf_probs
from sae_nb.diagnosis import diagnose_features, mcc, recall_by_decile


def test_hungarian_matches_brute_force():
    g = make_generator(3)
    W, F = unit_norm(torch.randn(4, 6, generator=g)), unit_norm(torch.randn(4, 6, generator=g))
    c = (W @ F.T).abs().numpy()  # MCC matches on |cos|, as SAELens does
    brute = max(sum(c[i, p[i]] for i in range(4)) for p in permutations(range(4))) / 4
    assert abs(mcc(W, F) - brute) < 1e-6


def test_structured_children_exclusive_and_gated():
    sm = scaled_model(n_features=300, d_in=32, n_roots=20, branching=3, depth=2, seed=1)
    x, a = sm.sample(4096, make_generator(0))
    on = a[0] > 0
    kids = torch.nonzero(sm.parent >= 0).flatten()
    assert not (on[:, kids] & ~on[:, sm.parent[kids]]).any()
    for par in sm.parents[:10]:
        assert (on[:, sm.parent == par].sum(-1) <= 1).all()
    assert torch.allclose(x, a @ sm.F, atol=1e-4)


def test_copula_correlation_raises_cofiring():
    n = 50
    L = torch.full((n, 1), 0.8)  # one shared factor: all features correlated
    ind = StructuredModel(torch.eye(n), torch.full((n,), 0.1))
    cor = StructuredModel(torch.eye(n), torch.full((n,), 0.1), corr=L)
    g = make_generator(0)
    ai, ac = (ind.sample_acts(20_000, g)[0] > 0).float(), (cor.sample_acts(20_000, g)[0] > 0).float()
    assert abs(ac.mean() - 0.1) < 0.01                            # marginals kept
    assert (ac[:, 0] * ac[:, 1]).mean() > 2 * (ai[:, 0] * ai[:, 1]).mean()


def test_diagnosis_perfect_sae_recovers_everything():
    sm = the_model(d_in=16)
    sae = SAE(SAEConfig(16, 7), device="cpu")
    with torch.no_grad():
        sae.W_dec[0] = sm.F[0]; sae.W_enc[0] = sm.F[0].T; sae.b_enc.fill_(-0.1)
    d = diagnose_features(sae, sm)
    assert (d.status == "recovered").all() and (d.latent.to_numpy() == np.arange(7)).all()
    t = recall_by_decile(d, n_bins=2)
    assert (t.recovered == 1).all()


def test_zipf_and_bad_structured_args():
    p = zipf_probs(1000, 0.4, 1e-3)
    assert p[0] == pytest.approx(0.4) and p[-1] == pytest.approx(1e-3, rel=1e-4) and (p[1:] <= p[:-1]).all()
    with pytest.raises(ValueError, match="summing to"):
        StructuredModel(torch.eye(3), [0.5, 0.6, 0.6], parent=[-1, 0, 0])
    with pytest.raises(ValueError, match="squared norm < 1"):
        StructuredModel(torch.eye(2), [0.1, 0.1], corr=torch.ones(2, 1))


# --- orthogonality penalties (06_ortho) and matched-L0 training ---
from sae_nb.ortho import ortsae_penalty, pair_penalty
from sae_nb.structured import shared_component_model
from sae_nb.experiments import pair_bias, sae_report, train_variants


def test_hinge_gradcheck_and_penalty_invariances():
    assert torch.autograd.gradcheck(lambda w: pair_penalty(w, "hinge", 2, 0.1, tile=3), (torch.randn(1, 7, 4, dtype=torch.float64, requires_grad=True),))
    W = torch.randn(30, 8, generator=make_generator(0), dtype=torch.float64)
    perm = torch.randperm(30, generator=make_generator(1))
    scale = torch.rand(30, 1, generator=make_generator(2), dtype=torch.float64) + 0.1
    for form in ("abs", "hinge"):
        v = pair_penalty(W, form, 2, 0.3)
        assert torch.allclose(v, pair_penalty(W[perm], form, 2, 0.3)) and torch.allclose(v, pair_penalty(W * scale, form, 2, 0.3))
        assert 0 <= float(v) <= 1
    assert float(pair_penalty(torch.eye(5), "abs")) == 0.0 and float(ortsae_penalty(torch.eye(4).repeat(2, 1), 1)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="tau must lie"):
        pair_penalty(W, "hinge", 2, 1.5)


def test_shared_component_model_and_pair_bias_on_perfect_sae():
    src = shared_component_model(0.35, n_parents=4, n_children=2, d_in=16)
    F = src.F[0]
    kids = (src.parent >= 0).nonzero().flatten()
    assert torch.allclose((F[kids] * F[src.parent[kids]]).sum(-1), torch.full((len(kids),), 0.35), atol=1e-5)
    sae = SAE(SAEConfig(16, len(F)), device="cpu")
    with torch.no_grad(): sae.W_dec[0] = F
    r = pair_bias(sae, src).iloc[0]
    assert r.learned_cos == pytest.approx(0.35, abs=1e-5) and r.mcc_signed == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match="cos must lie"):
        shared_component_model(1.0)


def test_train_variants_and_sae_report_smoke():
    sm = the_model(d_in=16)
    tab, saes = train_variants(sm, {"L1": {}, "L1+hinge": dict(ortho=dict(weight=[0.0, 10.0], form="hinge", tau=0.3, p=2)), "TopK": dict(activation="topk")},
                               width=8, seeds=[0], n_steps=200, device="cpu", log=lambda *_: None)
    assert list(tab.variant) == ["L1", "L1+hinge", "L1+hinge", "TopK"] and list(tab.weight) == [0.0, 0.0, 10.0, 0.0]
    for col in ("l0", "ev", "mcc", "f1", "recovered", "rare_recovered", "combo_latents", "nn_cos"): assert tab[col].notna().all(), col
    rep = sae_report(saes["TopK"], sm)
    assert len(rep) == 1 and rep.l0.iloc[0] <= 1.0 + 1e-6  # k = round(true L0 1.23) = 1


# --- neighbour-list penalties (07_neighbours) ---
from sae_nb.neighbours import NeighbourPenalty, neighbour_lists


def test_adaptive_refresh_interval_follows_recall():
    nbp = NeighbourPenalty(1.0, k=2, refresh_every=8, tau=0.1, target_recall=0.99, min_every=2, max_every=20)
    W = torch.randn(1, 16, 4, generator=make_generator(0))
    class Fake:  # just what NeighbourPenalty reads from an SAE
        W_dec, device = W, W.device
        class cfg: decoder_norm = "unit"
    nbp(Fake); assert nbp.next_refresh == 8  # first refresh has nothing to score: interval unchanged
    Fake.W_dec = torch.randn(1, 16, 4, generator=make_generator(1))  # a new decoder: the old lists miss its pairs
    for _ in range(7): nbp(Fake)
    nbp(Fake); assert nbp.log[-1]["recall"] < 0.99 and nbp.refresh_every == 4
    for _ in range(4): nbp(Fake)  # unchanged decoder: full recall, the interval grows
    assert nbp.log[-1]["recall"] == 1.0 and nbp.refresh_every == 5
    with pytest.raises(ValueError, match="target_recall"):
        NeighbourPenalty(1.0, refresh_every=3, target_recall=0.99, min_every=5)


def test_neighbour_penalty_trains_and_logs_recall():
    fm = FeatureModel(random_directions(20, 8, orthogonal=False, generator=make_generator(0)), p=torch.full((20,), 0.1))
    sae = SAE(SAEConfig(8, 20, n_inst=2, l1_coeff=0.05), device="cpu")
    nbp = NeighbourPenalty(torch.tensor([0.0, 10.0]), k=4, refresh_every=50, tau=0.3)
    train_sae(sae, fm, TrainConfig(n_steps=200, progress=False), extra_loss=nbp)
    assert len(nbp.log) == 4 and all(0 <= r["recall"] <= 1 for r in nbp.log[1:] if r["recall"] == r["recall"])
    U = unit_norm(sae.W_dec.detach()); C = (U @ U.transpose(-1, -2)).abs() - 2 * torch.eye(20)
    assert C[1].max() < C[0].max()  # the penalised instance has no pair as parallel as the unpenalised one's worst
    with pytest.raises(ValueError, match="refresh_every"):
        NeighbourPenalty(1.0, refresh_every=0)


def test_frozen_batch_gradient_matches_exact_on_new_group_and_freezes():
    from sae_nb.neighbours import FrozenBatch
    from sae_nb.ortho import phi
    sae = SAE(SAEConfig(8, 12, n_inst=1, l1_coeff=0.1), device="cpu")
    sae.W_dec.data = sae.W_dec.data.double()
    fb = FrozenBatch(sae, 1.0, n_groups=3, n_steps=30, form="hinge", p=2, tau=0.0)
    fb.calls = 10  # stage 1: latents 4..7 train, 0..3 frozen, 8..11 off
    fb(sae).sum().backward()
    U = sae.W_dec.detach().clone().requires_grad_()
    V = unit_norm(U[:, :8]); v = phi(V @ V.transpose(-1, -2), "hinge", 2, 0.0)[0]
    ((v.sum() - v.diagonal(dim1=-2, dim2=-1).sum()) / (12 * 11)).backward()
    assert torch.allclose(sae.W_dec.grad[:, 4:8], U.grad[:, 4:8], atol=1e-10)
    assert sae.W_dec.grad[:, :4].abs().max() == 0 and sae.W_dec.grad[:, 8:].abs().max() == 0
    fm = FeatureModel(random_directions(20, 8, orthogonal=False, generator=make_generator(0)), p=torch.full((20,), 0.1))
    sae = SAE(SAEConfig(8, 12, n_inst=1, l1_coeff=0.05), device="cpu")
    fb = FrozenBatch(sae, 1.0, n_groups=3, n_steps=300)
    with pytest.raises(RuntimeError, match="resample_every=None"):
        train_sae(sae, fm, TrainConfig(n_steps=300, resample_every=50, progress=False), extra_loss=fb)


def test_neighbour_penalty_refreshes_its_lists_after_resampling():
    "Resampled rows point somewhere new: the penalty must not keep charging their old neighbours until the next refresh."
    class Tr: pass
    nbp, tr = NeighbourPenalty(1.0, k=3, refresh_every=1000, tau=0.2), Tr()
    tr.sae = SAE(SAEConfig(6, 20, n_inst=2, l1_coeff=0.05, seed=[0, 1]), device="cpu")
    nbp(tr.sae)                                                        # first call: lists for the initial decoder
    with torch.no_grad(): tr.sae.W_dec[:, :5] = torch.randn(2, 5, 6, generator=make_generator(9))  # five rows resampled
    nbp.after_resample(tr, dead=None)
    assert torch.equal(nbp.idx.sort(-1).values, neighbour_lists(tr.sae.W_dec, k=3)[0].sort(-1).values)
    assert nbp.log[-1]["cause"] == "resample" and nbp.log[-1]["recall"] != nbp.log[-1]["recall"]  # not scored as staleness
    fm = FeatureModel(random_directions(12, 6, orthogonal=False, generator=make_generator(0)), p=torch.full((12,), 0.1))
    sae = SAE(SAEConfig(6, 12, n_inst=2, l1_coeff=0.05), device="cpu")
    with torch.no_grad(): sae.b_enc[:, :4] = -100.0                   # four dead latents per instance: resampled at step 49
    nbp = NeighbourPenalty(1.0, k=3, refresh_every=1000, tau=0.2)
    train_sae(sae, fm, TrainConfig(n_steps=120, resample_every=50, progress=False), extra_loss=nbp)
    assert [(r["step"], r["cause"]) for r in nbp.log] == [(0, "interval"), (50, "resample")]


@pytest.mark.parametrize("arch", ["l1", "topk", "batchtopk", "jumprelu", "matryoshka"])
def test_every_architecture_trains_with_neighbour_lists_resampling_and_data_init(arch):
    "Each architecture with the pieces around it: neighbour-list penalty (refreshed after resampling), resampling, AuxK, the data-based init, the controller."
    from sae_nb.core import make_generator
    from sae_nb.data import FeatureModel, random_directions
    from sae_nb.neighbours import NeighbourPenalty
    from sae_nb.sae import SAE, K_SPARSE, arch_config
    from sae_nb.train import TrainConfig, train_sae
    fm = FeatureModel(random_directions(24, 8, orthogonal=False, generator=make_generator(0)), p=torch.full((24,), 0.08))
    sae = SAE(arch_config(arch, 8, 24, 2.0, n_inst=2, seed=[0, 1], aux=arch in K_SPARSE, l1_init=0.01), device="cpu")
    pen = NeighbourPenalty(5.0, k=4, refresh_every=10, tau=0.2)
    h = train_sae(sae, fm, TrainConfig(n_steps=120, batch_size=128, progress=False, init_from_data=True, resample_every=30, dead_tokens=500,
                                       target_l0=2.0 if sae.cfg.steered else None), extra_loss=pen)
    assert all(torch.isfinite(p).all() for p in sae.parameters())
    assert any(r.get("cause") == "resample" for r in pen.log) or h.n_resampled == 0
    assert 0.5 < float(h.rows["l0"][-1].mean()) < 24   # a smoke run: L1 at 120 steps is still far from its target


def test_text_sources_refuse_binary_and_non_utf8_files(tmp_path):
    "Issue 17.6: a binary file used to train on replacement characters; an empty --text read every *.txt of the current folder."
    from sae_nb.activations import text_docs
    (tmp_path / "ok.txt").write_text("One paragraph.\n\nAnother one.")
    assert text_docs(tmp_path / "ok.txt") == ["One paragraph.", "Another one."]
    (tmp_path / "model.txt").write_bytes(b"GGUF\x00\x01\x02 weights")
    with pytest.raises(ValueError, match="holds NUL bytes .* looks like a binary file"): text_docs(tmp_path / "model.txt")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    with pytest.raises(ValueError, match="is not UTF-8 text .*offset 3"): text_docs(tmp_path / "latin1.txt")
    with pytest.raises(ValueError, match="the text source is empty"): text_docs("")
    with pytest.raises(ValueError, match="the text source is empty"): text_docs("  ")


def test_sae_lens_stays_optional():
    "Issue 15: SynthSAEBench needs sae-lens (the bench extra), but the core install does not: every module imports without it (but the SAELens plugin, which says how to install SAELens), and sae-lens is not a core dependency."
    import subprocess, sys, tomllib
    code = ("import sys, importlib, pkgutil; sys.modules['sae_lens'] = None; sys.modules['sparsify'] = None\n"
            "import sae_nb\n"
            "for m in pkgutil.iter_modules(sae_nb.__path__):\n"
            "    if m.name not in ('widgets', 'saelens_hinge'): importlib.import_module('sae_nb.' + m.name)\n"
            "try: import sae_nb.saelens_hinge\n"
            "except ImportError as e: print('plugin', e)\n"
            "from sae_nb.synthbench import load_or_build\n"
            "try: load_or_build('/nonexistent')\n"
            "except ImportError as e: print('needs', e)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "needs" in r.stdout and "plugin sae_nb.saelens_hinge plugs into SAELens" in r.stdout and 'pip install -e ".[bench]"' in r.stdout, r.stdout
    root = Path(__file__).resolve().parents[1]
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    assert not any(d.lower().startswith(("sae-lens", "sae_lens", "eai-sparsify")) for d in deps), deps


def test_fused_adam_gives_the_for_loop_adams_result(monkeypatch):
    "The trainer's fused Adam (one kernel per parameter) trains to the same weights as torch's for-loop Adam, to float tolerance, sparse and dense paths alike."
    from sae_nb.sae import arch_config
    data = toy_model()
    def trained():
        out = {}
        for arch in ("topk", "l1"):
            sae = SAE(arch_config(arch, 3, 6, 1, n_inst=2, seed=[0, 1]), device="cpu")
            train_sae(sae, data, TrainConfig(n_steps=100, batch_size=64, progress=False, target_l0=1.0 if arch == "l1" else None))
            out[arch] = sae.state_dict()
        return out
    fused = trained()
    adam = torch.optim.Adam
    monkeypatch.setattr(torch.optim, "Adam", lambda params, lr, fused: adam(params, lr=lr, foreach=False))
    loop = trained()
    for arch in fused:
        for k, v in fused[arch].items(): assert torch.allclose(v, loop[arch][k], rtol=1e-4, atol=1e-5), (arch, k, (v - loop[arch][k]).abs().max())


def test_llm_extracts_in_bf16_where_the_cpu_has_bf16_units(tmp_path):
    "Issue 25: `sae-nb llm --extract-precision bf16` extracts with a bf16 copy of the model and says so in the store; without bf16 units it is refused by name."
    from sae_nb.cli import main
    from sae_nb.core import bf16_units
    from sae_nb.activations import ActivationStore
    (tmp_path / "t.txt").write_text("Some words of text, and a few more of them. " * 200)
    args = ["llm", "--model", "tiny-gpt2", "--layer", "1", "--width", "32", "--seeds", "1", "--steps", "10", "--l0", "4", "--device", "cpu",
            "--tokens", "2200", "--text", str(tmp_path / "t.txt"), "--out", str(tmp_path / "o"), "--extract-precision", "bf16"]
    if bf16_units("cpu") is None:
        assert main(args) == 2; return   # refused, naming the missing units
    assert main(args) == 0
    assert ActivationStore(tmp_path / "o" / "store").spec.precision == "bf16 weights"
