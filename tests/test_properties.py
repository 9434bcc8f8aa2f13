"""Property-based tests (hypothesis) of the orthogonality penalties and the ground-truth metrics: what must hold for
any decoder, not just the examples in the notebooks. Matrices are drawn from a seed and a shape (and, where it matters,
with exact duplicate rows, so near-parallel pairs are always in play); the properties are checked in float64."""
import torch
from hypothesis import given, settings, strategies as st

from sae_nb.core import check_finite, unit_norm
from sae_nb.diagnosis import detection_f1, hungarian_match, mcc
from sae_nb.metrics import nnls
from sae_nb.neighbours import list_penalty, neighbour_lists
from sae_nb.ortho import ortsae_penalty, pair_penalty, phi

settings.register_profile("sae_nb", max_examples=40, deadline=None, derandomize=True)
settings.load_profile("sae_nb")

def matrix(seed, m, d, dups=0):
    "m random rows in d dimensions, float64; the last `dups` rows copy earlier ones (scaled), so some pairs have |cos| = 1."
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(m, d, generator=g, dtype=torch.float64)
    for j in range(min(dups, m - 1)): W[m - 1 - j] = W[j] * (0.5 + j)
    return W

shapes = st.tuples(st.integers(0, 10**6), st.integers(2, 24), st.integers(2, 12), st.integers(0, 3))
forms = st.sampled_from([("abs", 1.0, 0.0), ("sq", 1.0, 0.0), ("pow", 3.0, 0.0), ("hinge", 2.0, 0.3), ("hinge", 1.0, 0.1), ("hinge", 2.0, 0.0)])

@given(shapes, forms, st.integers(0, 10**6))
def test_pair_penalty_invariances_and_bounds(shape, form, seed2):
    seed, m, d, dups = shape; f, p, tau = form
    W = matrix(seed, m, d, dups)
    g = torch.Generator().manual_seed(seed2)
    perm = torch.randperm(m, generator=g)
    scale = torch.rand(m, 1, generator=g, dtype=torch.float64) * 10 + 0.01           # any positive length per row
    sign = torch.where(torch.rand(m, 1, generator=g) < 0.5, -1.0, 1.0).double()       # and any sign: the penalties see |cos|
    v = pair_penalty(W, f, p, tau)
    for W2 in (W[perm], W * scale, W * sign):
        assert torch.allclose(pair_penalty(W2, f, p, tau), v, rtol=1e-9, atol=1e-12)
    assert 0.0 <= float(v) <= 1.0 + 1e-12                                               # a mean of φ(|cos|) with φ(1) <= 1
    if dups: assert float(v) > 0                                                         # a duplicated row is always charged
    if m <= d: assert float(pair_penalty(torch.linalg.qr(W.T)[0].T, f, p, tau)) < 1e-12  # orthonormal rows cost nothing

@given(st.floats(-1, 1), st.floats(-1, 1), forms)
def test_phi_is_even_monotone_in_abs_cos_and_zero_below_tau(c1, c2, form):
    f, p, tau = form
    a, b = phi(torch.tensor([c1, -c1, c2], dtype=torch.float64), f, p, tau)[0].tolist()[:2], phi(torch.tensor([c2], dtype=torch.float64), f, p, tau)[0].item()
    assert abs(a[0] - a[1]) < 1e-15                                                      # even in c
    if abs(c1) <= abs(c2): assert a[0] <= b + 1e-15                                      # non-decreasing in |c|
    if f == "hinge" and abs(c1) <= tau: assert a[0] == 0

@given(shapes, st.sampled_from([("hinge", 2.0, 0.3), ("hinge", 1.0, 0.0), ("abs", 1.0, 0.0)]))
def test_complete_lists_give_the_exact_penalty_and_gradient(shape, form):
    seed, m, d, dups = shape; f, p, tau = form
    W = matrix(seed, m, d, dups).requires_grad_()
    idx, val = neighbour_lists(W.detach(), k=m - 1)
    exact, listed = pair_penalty(W, f, p, tau), list_penalty(W, idx, f, p, tau)
    assert torch.allclose(exact, listed, rtol=1e-9, atol=1e-12)
    g1, = torch.autograd.grad(exact, W); g2, = torch.autograd.grad(list_penalty(W, idx, f, p, tau), W)
    assert torch.allclose(g1, g2, rtol=1e-7, atol=1e-10)

@given(shapes, st.integers(1, 8))
def test_neighbour_lists_hold_the_largest_cosines(shape, k):
    seed, m, d, dups = shape; k = min(k, m - 1)
    W = matrix(seed, m, d, dups)
    idx, val = neighbour_lists(W, k=k, tile=5)
    U = unit_norm(W); c = (U @ U.T).abs(); c.fill_diagonal_(-1)
    assert torch.allclose(val.double(), c.topk(k, -1).values, atol=1e-6)                 # the top-k values (ties may swap indices)
    assert (idx != torch.arange(m)[:, None]).all() and torch.allclose(c.gather(1, idx), val.double(), atol=1e-6)

@given(st.integers(0, 10**6), st.integers(2, 10), st.integers(2, 10), st.integers(0, 6), st.integers(0, 10**6))
def test_mcc_bounds_and_invariances(seed, n, d, extra, seed2):
    F = matrix(seed, n, d)
    W = matrix(seed + 1, n + extra, d)
    g = torch.Generator().manual_seed(seed2)
    v = mcc(W, F)
    assert -1 - 1e-12 <= v <= 1 + 1e-12
    assert abs(mcc(W[torch.randperm(len(W), generator=g)], F[torch.randperm(n, generator=g)]) - v) < 1e-9  # order of latents and features
    assert abs(mcc(W * (torch.rand(len(W), 1, generator=g, dtype=torch.float64) + 0.1), F) - v) < 1e-9     # decoder row lengths
    assert abs(mcc(F * 3, F) - 1) < 1e-9                                                 # the truth itself scores 1
    assert mcc(torch.cat([W, F[:1]]), F) >= v - 1e-9                                      # one more latent never lowers it
    li, fi, c = hungarian_match(W, F)
    assert len(set(li)) == len(li) == len(set(fi)) == min(len(W), n)                     # one-to-one

@given(st.integers(0, 10**6), st.integers(1, 12), st.integers(1, 12))
def test_detection_f1_bounds(seed, m, n):
    g = torch.Generator().manual_seed(seed)
    A, B = torch.rand(500, m, generator=g) < 0.2, torch.rand(500, n, generator=g) < 0.3  # latent / feature firing
    counts = dict(both=A.float().T @ B.float(), latent=A.float().sum(0), feature=B.float().sum(0), n=torch.tensor(500.0))
    for t in detection_f1(counts): assert ((t >= 0) & (t <= 1 + 1e-6)).all()
    counts_same = dict(both=A.float().T @ A.float(), latent=A.float().sum(0), feature=A.float().sum(0), n=torch.tensor(500.0))
    f1 = detection_f1(counts_same)[2].diagonal()
    assert torch.allclose(f1[A.any(0)], torch.ones(int(A.any(0).sum())))               # a latent detecting itself: F1 = 1

@given(st.integers(0, 10**6), st.integers(1, 6), st.integers(2, 10), st.integers(2, 8))
def test_nnls_is_non_negative_and_no_worse_than_zero(seed, m, n, d):
    D, F = matrix(seed, m, d).float()[None], matrix(seed + 1, n, d).float()[None]
    C, r = nnls(D, F, k=None)
    assert (C >= 0).all() and (r <= D.norm(dim=-1) + 1e-5).all()
    assert torch.allclose(r, (D - C @ F).norm(dim=-1), atol=1e-4)

@given(st.integers(0, 10**6), st.integers(1, 6), st.integers(1, 6), st.sampled_from([float("nan"), float("inf"), -float("inf")]))
def test_check_finite_names_the_first_bad_entry(seed, a, b, bad):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(a, b, 3, generator=g)
    pos = torch.nonzero(torch.rand(a, b, 3, generator=g) < 0.3)
    if len(pos) == 0: pos = torch.tensor([[a - 1, b - 1, 2]])
    for i in pos: x[tuple(i)] = bad
    try: check_finite(x, "acts"); raise AssertionError("not raised")
    except ValueError as e: assert f"first at index {tuple(int(v) for v in pos[0])}" in str(e) and f"{len(pos)} non-finite" in str(e)

@given(st.integers(0, 10**6), st.integers(2, 16), st.integers(2, 8), st.integers(1, 4))
def test_ortsae_penalty_bounds(seed, m, d, chunks):
    W = matrix(seed, m, d)
    v = float(ortsae_penalty(W[None], n_chunks=min(chunks, m // 2), generator=torch.Generator().manual_seed(seed)))
    assert 0 <= v <= 1 + 1e-9
    assert float(ortsae_penalty(torch.cat([W, W])[None], n_chunks=1)) > 1 - 1e-9          # every row has its twin in one chunk


def _as(kind, vals, integer=False):
    "`vals` (a list) in one of the forms a user may pass: Python, NumPy or torch, as a scalar (one value) or a sequence."
    import numpy as np
    one = len(vals) == 1
    if kind == "python": return vals[0] if one else list(vals)
    if kind == "numpy": a = np.array(vals, dtype=np.int64 if integer else np.float32); return a[0] if one else (a if len(vals) % 2 else list(a))
    t = torch.tensor(vals, dtype=torch.int64 if integer else torch.float32); return t[0] if one else t

@given(st.sampled_from(["python", "numpy", "torch"]), st.integers(1, 4), st.booleans(), st.integers(0, 10**6))
def test_configs_hold_plain_python_whatever_form_the_settings_take(kind, n_inst, per_inst, seed):
    "SAEConfig and TrainConfig turn Python, NumPy and torch numbers and sequences into the same plain values, so a checkpoint's stored config compares equal on resume."
    import json
    from dataclasses import asdict
    from sae_nb.sae import SAEConfig
    from sae_nb.train import TrainConfig
    g = torch.Generator().manual_seed(seed)
    n = n_inst if per_inst else 1
    l1 = [round(float(v), 3) for v in torch.rand(n, generator=g)]; seeds = [int(v) for v in torch.randint(0, 99, (n,), generator=g)]; l0 = [float(v) + 1 for v in torch.randint(1, 9, (n,), generator=g)]
    a = SAEConfig(4, 8, n_inst=_as(kind, [n_inst], True), l1_coeff=_as(kind, l1), seed=_as(kind, seeds, True))
    b = SAEConfig(4, 8, n_inst=n_inst, l1_coeff=l1[0] if n == 1 else l1, seed=seeds[0] if n == 1 else seeds)
    ta, tb = TrainConfig(target_l0=_as(kind, l0), lr=_as(kind, [1e-3]), seed=_as(kind, [3], True)), TrainConfig(target_l0=l0[0] if n == 1 else l0, lr=1e-3, seed=3)
    for x, y in ((a, b), (ta, tb)):
        ax, ay = asdict(x), asdict(y)
        assert json.loads(json.dumps(ax)) == ax   # plain Python all the way down
        assert ax.keys() == ay.keys() and all(ax[k] == ay[k] or abs(torch.tensor(ax[k], dtype=torch.float64) - torch.tensor(ay[k], dtype=torch.float64)).max() < 1e-6 for k in ax)
