"""Tests of the installed package alone: nothing here may rely on notebook state."""
import re
from pathlib import Path
import numpy as np
import pytest
import torch
from scipy.optimize import nnls as scipy_nnls

from sae_nb.core import check_finite, make_generator, remove_parallel_grad, unit_norm
from sae_nb.data import Bundle, FeatureModel, random_directions, toy_model
from sae_nb.metrics import feature_table, label_latents, nnls
from sae_nb.sae import SAE, SAEConfig, TrainConfig, train_sae
from sae_nb.toy import dictionary_loss, lasso_codes, predicted_p3, run_toy, summarise_toy
from sae_nb.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_unit_norm_step_keeps_rows_on_sphere():
    W = unit_norm(torch.randn(3, 7, 5))
    g = remove_parallel_grad(W, torch.randn(3, 7, 5))
    assert torch.allclose((g * W).sum(-1), torch.zeros(3, 7), atol=1e-6)


@pytest.mark.parametrize("d,n", [(8, 5), (8, 20)])
def test_nnls_matches_scipy(d, n):
    g = make_generator(d * n)
    F = unit_norm(torch.randn(1, n, d, generator=g)).double()
    D = unit_norm(torch.randn(1, 6, d, generator=g)).double()
    C, r = nnls(D, F, n_iter=5000)
    ref = [scipy_nnls(F[0].T.numpy(), D[0, j].numpy())[1] for j in range(6)]
    assert np.allclose(r[0].numpy(), ref, atol=2e-3)
    assert (C >= 0).all()


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


def test_cli_rejects_bad_arguments(capsys):
    assert main(["toy", "--steps", "0"]) == 2
    assert "steps must be >= 1" in capsys.readouterr().err


def test_readme_test_command_is_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    cmd = re.search(r"^TEST_CMD='(.*)'$", ci, re.M).group(1)
    assert cmd in (ROOT / "README.md").read_text()
