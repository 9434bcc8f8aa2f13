"""Round trip with SAELens itself, for every architecture: what `save_saelens` writes, `sae_lens.SAE.load_from_disk`
loads, and both reconstruct raw activations the same way; SAELens's own saves load in sae_nb. SAELens is not a
dependency of sae_nb: it comes with the `bench` extra, which CI installs (`pip install -e ".[dev,llm,bench]"`); without
it this file is skipped."""
import json
import pytest, torch

sae_lens = pytest.importorskip("sae_lens")

from sae_nb.core import CorruptFileError
from sae_nb.sae import SAE, arch_config
from sae_nb.interop import save_saelens, load_saelens

ARCHS = ["l1", "topk", "batchtopk", "jumprelu", "matryoshka"]

def _sae(arch):
    sae = SAE(arch_config(arch, 24, 96, 6, n_inst=2, seed=[3, 4]), device="cpu")
    with torch.no_grad():
        sae.b_enc.normal_(0, 0.1); sae.b_dec.normal_(0, 0.5)
        if arch == "jumprelu": sae.log_threshold.copy_(torch.rand(2, 96).mul(0.3).add(0.01).log())
        if hasattr(sae, "threshold"): sae.threshold.fill_(0.15)
    return sae

@pytest.mark.parametrize("arch", ARCHS)
def test_saelens_loads_what_we_save(tmp_path, arch):
    sae, scale = _sae(arch), 2.5
    path = save_saelens(sae, tmp_path / arch, inst=1, scale=scale, model_name="tiny-gpt2", layer=1, context_size=64)
    theirs = sae_lens.SAE.load_from_disk(str(path), device="cpu")
    x = torch.randn(200, 24)
    with torch.no_grad():
        ours = sae(x * scale)[1][1] / scale
        assert (sae.encode(x * scale)[1] > 0).any(), "the test SAE never fires"
        assert torch.allclose(theirs(x), ours, atol=1e-4), float((theirs(x) - ours).abs().max())
        back, _ = load_saelens(path)
        assert torch.allclose(back(x)[1][0], ours, atol=1e-5)
        # and SAELens's own save loads in ours
        theirs.save_model(str(tmp_path / "resaved"))
        again, _ = load_saelens(tmp_path / "resaved")
        assert torch.allclose(again(x)[1][0], ours, atol=1e-4)

def test_load_saelens_reads_old_topk_configs_and_refuses_what_it_cannot_honour(tmp_path):
    sae = _sae("topk")
    path = save_saelens(sae, tmp_path / "old", inst=0)
    cfg = json.loads((path / "cfg.json").read_text())
    cfg["architecture"] = "standard"   # SAELens 5 wrote TopK SAEs as standard + activation_fn_str
    del cfg["k"]; del cfg["sae_nb"]
    (path / "cfg.json").write_text(json.dumps(cfg))
    back, _ = load_saelens(path)
    assert back.cfg.activation == "topk" and back.cfg.k == 6
    for key, bad, msg in (("normalize_activations", "expected_average_only_in", "normalize_activations='expected_average_only_in' is not supported"),
                          ("architecture", "gated", "architecture 'gated' is not supported")):
        c = dict(cfg, **{key: bad}); (path / "cfg.json").write_text(json.dumps(c))
        with pytest.raises(ValueError, match=msg): load_saelens(path)

def test_load_saelens_refuses_changed_or_non_finite_weights(tmp_path):
    from safetensors.torch import load_file, save_file
    path = save_saelens(_sae("jumprelu"), tmp_path / "j", inst=0)
    raw = bytearray((path / "sae_weights.safetensors").read_bytes()); raw[-5] ^= 0xFF
    (path / "sae_weights.safetensors").write_bytes(bytes(raw))
    with pytest.raises(CorruptFileError, match="does not match the checksum"): load_saelens(path)
    path = save_saelens(_sae("l1"), tmp_path / "n", inst=0)
    cfg = json.loads((path / "cfg.json").read_text()); del cfg["sae_nb"]["weights_sha256"]; (path / "cfg.json").write_text(json.dumps(cfg))
    w = load_file(path / "sae_weights.safetensors"); w["W_dec"][3, 2] = float("nan"); save_file(w, path / "sae_weights.safetensors")
    with pytest.raises(CorruptFileError, match="W_dec holds NaN"): load_saelens(path)

def test_apply_b_dec_to_input_false_is_folded_into_b_enc(tmp_path):
    sae = _sae("l1")
    path = save_saelens(sae, tmp_path / "a", inst=0)
    theirs = sae_lens.SAE.load_from_disk(str(path), device="cpu")
    cfg = json.loads((path / "cfg.json").read_text()); cfg["apply_b_dec_to_input"] = False; del cfg["sae_nb"]["weights_sha256"]
    (path / "cfg.json").write_text(json.dumps(cfg))
    theirs2 = sae_lens.SAE.load_from_disk(str(path), device="cpu")
    x = torch.randn(50, 24)
    with torch.no_grad():
        assert not torch.allclose(theirs2(x), theirs(x), atol=1e-3)   # the field matters
        assert torch.allclose(load_saelens(path)[0](x)[1][0], theirs2(x), atol=1e-4)
