"SynthSampler draws SAELens's distribution: a million rows of each on a small model with every ingredient of SynthSAEBench-16k, and variants without correlation or hierarchy; determinism and resumed training."
import pytest, torch
sl = pytest.importorskip("sae_lens.synthetic")
from sae_nb.synthbench import synthsaebench16k_config
from sae_nb.sampler import SynthSampler, saelens_features, compare_features, hierarchy_violations
from sae_nb.sae import SAE, arch_config
from sae_nb.train import TrainConfig, train_sae

def small_model(hierarchy=True, correlation=True, n=1024):
    h = sl.HierarchyConfig(total_root_nodes=8, branching_factor=4, max_depth=3, mutually_exclusive_portion=1.0, mutually_exclusive_min_depth=0,
                           compensate_probabilities=True, scale_children_by_parent=True) if hierarchy else None
    over = dict(num_features=n, hidden_dim=32, orthogonalization=None, hierarchy=h)
    if not correlation: over["correlation"] = None
    return sl.SyntheticModel(synthsaebench16k_config(**over))

def check_same(model, rows, seed=0):
    ref = saelens_features(model, rows, seed=seed)
    smp = SynthSampler(model, seed=seed + 1)
    ours = smp.sample_features(rows)
    c = compare_features(ref, ours)
    # at 99%, chance alone puts ~1% of features (and pairs) outside; 3% leaves room for the other seeds and CPUs
    assert c["rate_outside_99"] <= 0.03 * c["features"], c
    assert c["pair_outside_99"] <= 0.03 * c["pairs"], c
    assert c["rate_max_z"] < 5.5 and c["pair_max_z"] < 5.5, c
    assert c["magnitudes"].mean_z.abs().max() < 5, c["magnitudes"]
    sd = c["magnitudes"][["std_a", "std_b"]]
    assert ((sd.std_a - sd.std_b).abs() / sd.std_a).max() < 0.03, sd
    if model.hierarchy is not None:
        v = hierarchy_violations(ours, smp)
        assert v["orphans"] == 0 and v["exclusive_breaks"] == 0, v
    return c

def test_a_million_rows_match_saelens():
    c = check_same(small_model(), 1_000_000)
    assert abs(c["l0"][0] - c["l0"][1]) < 0.02, c["l0"]

@pytest.mark.parametrize("hierarchy,correlation", [(False, True), (True, False), (False, False)])
def test_variants_match_saelens(hierarchy, correlation):
    check_same(small_model(hierarchy, correlation, n=512), 300_000, seed=3)

def test_rows_are_the_feature_map_of_the_activations():
    m = small_model()
    x, F = SynthSampler(m, seed=5).sample_with_features(2000)
    torch.testing.assert_close(x, m.feature_dict(F.rows(0, 2000).to_dense()), atol=1e-4, rtol=1e-4)

def test_a_stream_is_fixed_by_its_seed_and_resumes_from_its_state():
    m = small_model()
    a, b = SynthSampler(m, seed=9), SynthSampler(m, seed=9)
    for n in (1000, 4096, 5000): assert torch.equal(a(n), b(n))
    st = a.state_dict(); nxt = a(3000)
    c = SynthSampler(m, seed=9); c.load_state_dict(st)
    assert torch.equal(c(3000), nxt) and c.rows == a.rows
    assert a.fingerprint() == b.fingerprint() != SynthSampler(m, seed=10).fingerprint()

class Stop:
    "Kills training (an exception) after step `at`."
    def __init__(self, at): self.at = at
    def after_step(self, tr):
        if tr.step == self.at: raise KeyboardInterrupt

def test_training_from_the_sampler_resumes_to_identical_weights(tmp_path):
    m = small_model()
    cfg = TrainConfig(n_steps=40, batch_size=512, lr=3e-3, progress=False, init_from_data=True)
    def run(ck, stop=None):
        sae = SAE(arch_config("matryoshka", 32, 128, 6, n_inst=2, seed=[0, 1], aux=True))
        train_sae(sae, SynthSampler(m, seed=0, scale=2.0), cfg, checkpoint=ck, checkpoint_every=10, callbacks=[stop] if stop else [])
        return sae
    straight = run(tmp_path / "a.ck")
    with pytest.raises(KeyboardInterrupt): run(tmp_path / "b.ck", Stop(25))
    resumed = run(tmp_path / "b.ck")
    for k, v in straight.state_dict().items(): assert torch.equal(v, resumed.state_dict()[k]), k

def test_models_it_cannot_read_are_refused():
    with pytest.raises(TypeError, match="SyntheticModel"): SynthSampler(object())
    m = small_model(hierarchy=False, correlation=False, n=64)
    m.activation_generator.correlation_matrix = torch.eye(64)
    with pytest.raises(ValueError, match="full correlation matrix"): SynthSampler(m)
    m = small_model(hierarchy=False, correlation=False, n=64)
    m.activation_generator.modify_activations = sl.activation_generator._normalize_modifiers(lambda a: a * 2)
    with pytest.raises(ValueError, match="modifier other than its hierarchy"): SynthSampler(m)
    with pytest.raises(ValueError, match="at least 1 row"): SynthSampler(small_model(n=64, hierarchy=False)).sample_features(0)

BLOCKER = '''import sys, importlib.abc
BLOCK = {"sae_lens", "transformer_lens", "datasets", "ipywidgets", "IPython", "wandb", "plotly", "simple_parsing", "nbdev", "fastcore", "sparsify", "sae_bench"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCK: raise ImportError(f"not on the GPU machine: {name}")
sys.meta_path.insert(0, Block())
'''

def test_gpu_script_trains_from_tables_without_saelens_and_scores_back(tmp_path):
    "benchmarks/synthbench_gpu.py: pack here, train where sae-lens (and the rest the GPU machine lacks) cannot be imported, score back here."
    import os, subprocess, sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root / "benchmarks"))
    import synthbench_gpu as g
    from sae_nb.synthbench import load_or_build
    quiet = lambda *a: None
    model = load_or_build(tmp_path / "model", synthsaebench16k_config(num_features=256, hidden_dim=32, orthogonalization=None), log=quiet)
    g._pack(model, tmp_path / "pack", "public", True, 0, 128, 8, 128, dict(w_pair=0.7, tau=0.3), log=quiet)
    (tmp_path / "site").mkdir(); (tmp_path / "site" / "sitecustomize.py").write_text(BLOCKER)
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "site"), OMP_NUM_THREADS="1")
    r = subprocess.run([sys.executable, str(root / "benchmarks/synthbench_gpu.py"), "train", "--pack", str(tmp_path / "pack"), "--out", str(tmp_path / "out"),
                        "--budget", "40", "--samples", "10k", "--probe-steps", "8", "--curve-every", "10k", "--device", "cpu"], env=env, capture_output=True, text=True, cwd=root)
    assert r.returncode == 0, r.stdout[-1500:] + r.stderr[-3000:]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["hinge_dec.safetensors", "hinge_enc.safetensors", "plain_dec.safetensors", "plain_enc.safetensors", "result.json"]
    rows = g.score(tmp_path / "out", tmp_path / "model", tmp_path / "rec", heldout=2048, log=quiet, model=model)
    assert [r["variant"] for r in rows] == ["plain", "hinge"] and all(0 < r["mcc"] <= 1 and r["samples"] > 0 for r in rows), rows
    other = load_or_build(tmp_path / "model2", synthsaebench16k_config(num_features=256, hidden_dim=32, orthogonalization=None, seed=7), log=quiet)
    with pytest.raises(ValueError, match="another model"): g.score(tmp_path / "out", tmp_path / "model2", tmp_path / "rec", heldout=2048, log=quiet, model=other)
